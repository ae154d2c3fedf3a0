// Journey: a signed-in operator's browser never receives an upstream secret: not in a response body
// or header, a stream message, or any built asset.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminPassword, sandboxSecrets } from './e2e-env';
import { expect, test } from './fixtures';

function secrets(): string[] {
  const values = sandboxSecrets();
  // An empty value would make the scan vacuous.
  for (const v of values) expect(v.length).toBeGreaterThan(16);
  return [...values, adminPassword()];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('no secret reaches the browser: responses, headers, streams, built assets', async ({
  page,
  baseURL,
}) => {
  const seen: string[] = [];
  page.on('response', async (response) => {
    seen.push(JSON.stringify(response.headers()));
    const type = response.headers()['content-type'] ?? '';
    if (type.includes('event-stream')) return; // read below through an EventSource
    seen.push(await response.text().catch(() => ''));
  });
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));

  await page.goto('/sign-in');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(adminPassword());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/sign-in/);
  // Make the sandbox do everything that uses credentials: OAuth tokens, API keys, HMAC signatures.
  const headers = { origin: new URL(baseURL ?? '').origin, 'x-csrf': '1' };
  for (const path of [
    '/api/views/overview',
    '/api/integrations',
    '/api/calls',
    '/api/sandbox/providers',
    '/auth/me',
  ])
    seen.push(await (await page.request.get(path)).text());
  await page.request.fetch('/api/sandbox/providers/email', {
    method: 'PATCH',
    headers,
    data: { failureRate: 1 },
  });
  await page.request.get('/api/views/overview');
  await page.request.post('/api/sandbox/reset', { headers });
  await expect.poll(() => frames.length, { timeout: 10_000 }).toBeGreaterThan(2);

  const sse = await page.evaluate(
    () =>
      new Promise<string[]>((resolve) => {
        const got: string[] = [];
        const source = new EventSource('/api/stream');
        source.onmessage = (e) => got.push(String(e.data));
        setTimeout(() => (source.close(), resolve(got)), 2_500);
      }),
  );
  expect(sse.length).toBeGreaterThan(0);

  const dist = join(dirname(fileURLToPath(import.meta.url)), '../../apps/web/dist');
  const assets = filesUnder(dist).map((f) => readFileSync(f, 'utf8'));
  expect(assets.length).toBeGreaterThan(1);

  const everything = [...seen, ...frames, ...sse, ...assets].join('\n');
  expect(seen.length).toBeGreaterThan(10);
  for (const secret of secrets()) expect(everything.includes(secret)).toBe(false);
});
