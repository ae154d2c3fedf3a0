// Journey: the overview shows every sandbox upstream as a tile, updates live, and reflects an
// injected failure.
import type { Page } from '@playwright/test';
import { IntegrationListSchema } from '@switchboard/shared/integrations';
import { SandboxProviderListSchema } from '@switchboard/shared/sandbox';
import { expect, test, type Api } from './fixtures';

async function providerNames(api: Api): Promise<string[]> {
  const response = await api.get('/api/sandbox/providers');
  expect(response.ok()).toBe(true);
  return SandboxProviderListSchema.parse(await response.json()).providers.map((p) => p.name);
}

/** Points in a tile's p95 sparkline: the live ring gains one a second (up to a minute's worth). */
async function sparkPoints(page: Page, name: string): Promise<number> {
  const spark = page.getByTestId(`tile-${name}`).getByRole('img', { name: `${name} p95 latency` });
  return Number(await spark.getAttribute('data-points'));
}

test.afterEach(async ({ api }) => {
  expect((await api.send('POST', '/api/sandbox/reset')).ok()).toBe(true);
});

test('shows every upstream as a tile with its health, and sparklines that gain points', async ({
  signedIn: page,
  api,
}) => {
  const names = await providerNames(api);
  expect(names.length).toBeGreaterThanOrEqual(3);
  await page.goto('/');
  for (const name of names) {
    const tile = page.getByTestId(`tile-${name}`);
    await expect(tile).toBeVisible();
    await expect(tile.getByTestId('health')).toHaveText(/Healthy|Idle/);
  }
  await expect(page.getByTestId('stream-status')).toHaveAttribute('data-transport', 'websocket');
  await expect(page.getByTestId('stream-status')).toHaveAttribute('data-state', 'live');
  await expect.poll(() => sparkPoints(page, 'users')).toBeGreaterThan(0);
  const before = await sparkPoints(page, 'users');
  await expect.poll(() => sparkPoints(page, 'users'), { timeout: 5_000 }).toBeGreaterThan(before);
  // A tile per integration (the providers above plus the identity provider), and no charting
  // library on this page: the tiles draw their own sparklines, so fifty stay cheap to update.
  const listed = await api.get('/api/integrations');
  const integrations = IntegrationListSchema.parse(await listed.json()).items;
  await expect(page.getByTestId('tiles').locator(':scope > li')).toHaveCount(integrations.length);
  await expect(page.locator('.recharts-wrapper')).toHaveCount(0);
});

test('an upstream flipped to failing through the control API shows as failing', async ({
  signedIn: page,
  api,
}) => {
  await page.goto('/');
  const tile = page.getByTestId('tile-payments');
  await expect(tile.getByTestId('health')).toHaveText(/Healthy|Idle/);

  const flip = await api.send('PATCH', '/api/sandbox/providers/payments', { failureRate: 1 });
  expect(flip.ok()).toBe(true);

  // Its calls fail (and the breaker may open): the tile says so in words and shape, not colour alone.
  await expect(tile).toHaveAttribute('data-health', 'down');
  await expect(tile.getByTestId('health')).toContainText(/breaker open|errors/);
  // The others are untouched: one failing upstream never fails the page.
  await expect(page.getByTestId('tile-users').getByTestId('health')).toHaveText(/Healthy|Idle/);

  // The provider recovers and an operator releases the breaker: the tile is healthy again.
  await api.send('POST', '/api/sandbox/reset');
  const release = await api.send('POST', '/api/integrations/payments/breaker', {
    action: 'release',
  });
  expect(release.ok()).toBe(true);
  await expect(tile.getByTestId('health')).toHaveText(/Healthy|Idle/);
});

test('falls back to SSE when the WebSocket cannot open, and keeps the tiles live', async ({
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
  await expect.poll(() => sparkPoints(page, 'users')).toBeGreaterThan(0);
  const before = await sparkPoints(page, 'users');
  await expect.poll(() => sparkPoints(page, 'users'), { timeout: 5_000 }).toBeGreaterThan(before);
});
