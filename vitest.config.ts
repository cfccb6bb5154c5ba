import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // Next.js resolves this to an empty module on the server; outside Next it would throw.
      "server-only": path.resolve(import.meta.dirname, "test/server-only-stub.ts"),
    },
  },
  test: {
    include: ["**/*.test.ts"],
    // Checks every REST answer against the OpenAPI document, and every raw statement compiled
    // by compileSql against drizzle's own compilation of it.
    setupFiles: ["test/openapi-setup.ts", "test/compiled-sql-setup.ts"],
    exclude: ["**/node_modules/**", ".next*/**", "e2e/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
