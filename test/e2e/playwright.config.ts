import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser. One worker: the tests share the SIP lab.
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.e2e.ts',
  globalSetup: './global-setup.ts',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: '../../test-results/e2e-artifacts',
  use: {
    headless: true,
    // A Russian dispatcher's machine: navigator.language and Intl formats in ru-RU (headless Chromium still
    // draws the native date field as mm/dd/yyyy; --lang=ru-RU did not change that).
    locale: 'ru-RU',
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
  },
});
