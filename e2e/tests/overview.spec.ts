// Journey: the overview shows every sandbox upstream, updates live, and reflects an injected failure.
import type { Page } from '@playwright/test';
import { IntegrationListSchema } from '@switchboard/shared/integrations';
import { SandboxProviderListSchema } from '@switchboard/shared/sandbox';
import { expect, test, type Api } from './fixtures';

async function providerNames(api: Api): Promise<string[]> {
  const response = await api.get('/api/sandbox/providers');
  expect(response.ok()).toBe(true);
  return SandboxProviderListSchema.parse(await response.json()).providers.map((p) => p.name);
}

async function chartPoints(page: Page): Promise<number> {
  return Number(await page.getByTestId('latency-chart').getAttribute('data-points'));
}

test.afterEach(async ({ api }) => {
  expect((await api.send('POST', '/api/sandbox/reset')).ok()).toBe(true);
});

test('shows every upstream with its status and a chart that gains points', async ({
  signedIn: page,
  api,
}) => {
  const names = await providerNames(api);
  expect(names.length).toBeGreaterThanOrEqual(3);
  await page.goto('/');
  for (const name of names) {
    const row = page.getByTestId(`source-row-${name}`);
    await expect(row).toBeVisible();
    await expect(row.getByTestId('source-status')).toHaveText(/OK/);
  }
  await expect(page.getByTestId('stream-status')).toHaveAttribute('data-transport', 'websocket');
  await expect(page.getByTestId('stream-status')).toHaveAttribute('data-state', 'live');
  await expect.poll(() => chartPoints(page)).toBeGreaterThan(0);
  const before = await chartPoints(page);
  await expect.poll(() => chartPoints(page), { timeout: 5_000 }).toBeGreaterThan(before);
  // A line is drawn per integration (the providers above plus the identity provider).
  const listed = await api.get('/api/integrations');
  const integrations = IntegrationListSchema.parse(await listed.json()).items;
  await expect(page.locator('[data-testid="latency-chart"] .recharts-line')).toHaveCount(
    integrations.length,
  );
});

test('an upstream flipped to failing through the control API shows as failing', async ({
  signedIn: page,
  api,
}) => {
  await page.goto('/');
  const row = page.getByTestId('source-row-payments');
  await expect(row.getByTestId('source-status')).toHaveText(/OK/);

  const flip = await api.send('PATCH', '/api/sandbox/providers/payments', { failureRate: 1 });
  expect(flip.ok()).toBe(true);

  // Its last good answer may stand in for a while (stale-if-error): either way the row says why.
  await expect(row.getByTestId('source-status')).toHaveText(/Stale|Error/);
  await expect(row).toContainText(/payments answered HTTP 503|circuit breaker/);
  // The others are untouched: one failing upstream never fails the page.
  await expect(page.getByTestId('source-row-users').getByTestId('source-status')).toHaveText(/OK/);

  // The provider recovers and an operator releases the breaker: the row is OK again.
  await api.send('POST', '/api/sandbox/reset');
  const release = await api.send('POST', '/api/integrations/payments/breaker', {
    action: 'release',
  });
  expect(release.ok()).toBe(true);
  await expect(row.getByTestId('source-status')).toHaveText(/OK/);
});

test('falls back to SSE when the WebSocket cannot open, and keeps the chart live', async ({
  signedIn: page,
}) => {
  // Refuse every socket the page opens: the console must switch to Server-Sent Events.
  await page.routeWebSocket(/\/api\/ws(\?|$)/, (ws) =>
    ws.close({ code: 1011, reason: 'blocked by test' }),
  );
  await page.goto('/');
  await expect(page.getByTestId('stream-status')).toHaveAttribute('data-transport', 'sse');
  await expect(page.getByTestId('stream-status')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('stream-status')).toHaveText('Live (SSE fallback)');
  await expect.poll(() => chartPoints(page)).toBeGreaterThan(0);
  const before = await chartPoints(page);
  await expect.poll(() => chartPoints(page), { timeout: 5_000 }).toBeGreaterThan(before);
});
