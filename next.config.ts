import type { NextConfig } from "next";

const config: NextConfig = {
  // Separate build dirs let several checkouts or test builds coexist (e2e builds into its own).
  distDir: process.env.STEWARD_DIST_DIR ?? ".next",
  // PGlite ships WASM and data files that must be loaded from node_modules at run time.
  serverExternalPackages: ["@electric-sql/pglite", "inngest", "@modelcontextprotocol/sdk"],
  poweredByHeader: false,
  typedRoutes: false,
  devIndicators: false,
  // `npm test` runs tsc over the whole tree (app, tests, scripts); the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
};

export default config;
