// Playwright against the real BFF (with its sandbox upstreams) and Debian's Chromium; never a downloaded browser.
import { defineConfig } from '@playwright/test';
import { createServer } from 'node:net';

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
    },
  },
});
