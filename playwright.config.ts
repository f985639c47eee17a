import { defineConfig } from '@playwright/test'

// End-to-end tests of the daemon's web UI in Debian's Chromium (no browser download), against a real person's daemon
// and real demo peers on loopback (test/e2e/global-setup.ts). One worker: the specs share that daemon, and the machine.

process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1'

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  globalSetup: './test/e2e/global-setup.ts',
  reporter: 'list',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  // `npm run test:e2e` must end within 10 minutes, global setup included.
  globalTimeout: 570_000,
  expect: { timeout: 20_000 },
  use: {
    browserName: 'chromium',
    viewport: { width: 1024, height: 700 },
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
    }
  }
})
