// Playwright against the real BFF (with its sandbox upstreams) and Debian's Chromium; never a downloaded browser.
import { defineConfig } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// One free port per run, chosen here and handed to workers through the environment they inherit.
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
process.env.SWITCHBOARD_E2E_PORT ??= String(await freePort());
const port = process.env.SWITCHBOARD_E2E_PORT;
// A fresh database and admin password per run; workers inherit them through the environment.
process.env.SWITCHBOARD_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
process.env.SWITCHBOARD_E2E_ADMIN_PASSWORD ??= randomBytes(18).toString('base64url');
// The sandbox's upstream credentials, pinned so the secret-scanning journey knows what to look for.
export const sandboxSecretNames = [
  'SANDBOX_PAYMENTS_CLIENT_SECRET',
  'SANDBOX_EMAIL_API_KEY',
  'SANDBOX_EMAIL_BACKUP_API_KEY',
  'SANDBOX_ANALYTICS_HMAC_SECRET',
  'SANDBOX_WEBHOOK_SECRET',
] as const;
for (const name of sandboxSecretNames)
  process.env[name] ??= `e2e_${randomBytes(24).toString('hex')}`;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  // The journeys share one server and inject faults into its sandbox: run them one at a time.
  workers: 1,
  forbidOnly: true,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'npm run --silent start',
    cwd: '../apps/bff',
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: port,
      SWITCHBOARD_HOST: '127.0.0.1',
      SWITCHBOARD_SANDBOX_TRAFFIC_RPS: '4',
      SWITCHBOARD_LOG_LEVEL: 'warn',
      SWITCHBOARD_DATA_DIR: process.env.SWITCHBOARD_E2E_DATA_DIR,
      SWITCHBOARD_ADMIN_PASSWORD: process.env.SWITCHBOARD_E2E_ADMIN_PASSWORD,
      ...Object.fromEntries(sandboxSecretNames.map((name) => [name, process.env[name] ?? ''])),
    },
  },
});
