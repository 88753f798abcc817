// Browser end-to-end tests (e2e/*.spec.ts) against a running system: `tests/system/test_browser.py` starts every
// Procfile process (the UI among them) and runs `npx playwright test` with E2E_BASE_URL pointing at the UI.
// Chromium is Debian's (/usr/bin/chromium, or CHROMIUM_PATH): never `playwright install`.
// The budget measurements (e2e/*.bench.ts) run only with E2E_BENCH=1 (bench/ui.py sets it), never with the specs.
import { resolve } from "node:path";
import { defineConfig, devices } from "@playwright/test";

const artifacts = resolve(process.env.E2E_ARTIFACTS ?? "../.cache/logs/tests/ui");

export default defineConfig({
  testDir: "e2e",
  testMatch: process.env.E2E_BENCH === "1" ? "**/*.bench.ts" : "**/*.spec.ts",
  outputDir: resolve(artifacts, "results"),
  fullyParallel: false,
  workers: 1, // two cores, shared with the system under test
  // One retry: the whole system shares two cores with the browser; a test that passes only on its retry
  // is reported as flaky in the output, so it is seen, not hidden.
  retries: 1,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: "list",
  use: {
    baseURL: process.env.E2E_BASE_URL,
    headless: true,
    timezoneId: "UTC",
    locale: "en-GB",
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" },
      },
    },
  ],
});
