// JavaScript, not TypeScript: Next.js loads its SWC compiler (about 25 MB resident) into every
// `next start` only to compile a next.config.ts.
/** @type {import("next").NextConfig} */
const config = {
  // Separate build dirs let several checkouts or test builds coexist (e2e builds into its own).
  distDir: process.env.STEWARD_DIST_DIR ?? ".next",
  // PGlite ships WASM and data files that must be loaded from node_modules at run time.
  // pdfjs-dist loads its worker module from its own directory at run time.
  serverExternalPackages: ["@electric-sql/pglite", "inngest", "@modelcontextprotocol/sdk", "pdfjs-dist"],
  // Knowledge uploads (PDF, DOCX) go through a Server Action: room for a 10 MB file (MAX_FILE_BYTES).
  experimental: { serverActions: { bodySizeLimit: "11mb" } },
  poweredByHeader: false,
  typedRoutes: false,
  devIndicators: false,
  // `npm test` runs tsc over the whole tree (app, tests, scripts); the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  // On every page and API answer. No page may be framed by another site (clickjacking a decision);
  // no answer is sniffed into another type; no full URL (status links carry tokens) leaves the site.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
      // A header set here replaces the route's own: the uploaded logo keeps its stricter policy
      // (app/api/v1/portal/logo/route.ts), which forbids framing too.
      { source: "/((?!api/v1/portal/logo$).*)", headers: [{ key: "Content-Security-Policy", value: "frame-ancestors 'none'" }] },
    ];
  },
};

export default config;
