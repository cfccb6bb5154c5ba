import { defineConfig } from "@playwright/test";

// e2e runs against a production build served from its own dist dir and a throwaway data dir;
// e2e/global-setup.ts builds, starts and later stops it.
const port = Number(process.env.E2E_PORT ?? 3210);

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Per-port output so several suites (or engineers) can run side by side without clearing each other's files.
  outputDir: `test-results/e2e-${port}`,
  reporter: [["list"], ["json", { outputFile: `test-results/e2e-${port}.json` }]],
  globalSetup: "./e2e/global-setup.ts",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
});
