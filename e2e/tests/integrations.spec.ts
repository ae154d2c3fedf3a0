// Journeys through the operator console: every integration live on the overview; an operator acts on
// one from its detail page (audited); a viewer cannot; the kill switch and the provider switch show
// on the tiles; deep links restore range and filters, and Back/Forward step through them.
import type { Browser, Page } from '@playwright/test';
import { IntegrationListSchema } from '@switchboard/shared/integrations';
import { expect, signInThroughForm, test, type Api } from './fixtures';

async function integrationNames(api: Api): Promise<string[]> {
  const response = await api.get('/api/integrations?limit=200');
  expect(response.ok()).toBe(true);
  return IntegrationListSchema.parse(await response.json()).items.map((i) => i.name);
}

/** A user with `role`, signed in through the form in a browser context of their own. */
async function signInAs(browser: Browser, api: Api, role: 'viewer' | 'operator') {
  const username = `${role}-${Date.now().toString(36)}`;
  const password = `${username}-long-password`;
  const created = await api.send('POST', '/api/admin/users', { username, role, password });
  expect(created.ok()).toBe(true);
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInThroughForm(page, username, password);
  return { page, username, close: () => context.close() };
}

async function confirm(page: Page, label: string, confirmLabel: string) {
  await page.getByRole('button', { name: label }).click();
  await page.getByRole('button', { name: confirmLabel }).click();
}

// Journeys of several pages on a machine shared with other builds: more room than the default.
test.describe.configure({ timeout: 60_000 });

test.afterEach(async ({ api }) => {
  for (const name of ['users', 'payments', 'email']) {
    await api.send('POST', `/api/integrations/${name}/kill-switch`, { action: 'enable' });
    await api.send('POST', `/api/integrations/${name}/breaker`, { action: 'release' });
  }
  await api.send('POST', '/api/integrations/email/provider', { mode: 'automatic' });
  await api.send('POST', '/api/sandbox/reset');
});

test('the overview shows every integration as a tile with its health, and updates live', async ({
  signedIn: page,
  api,
}) => {
  const names = await integrationNames(api);
  expect(names.length).toBeGreaterThanOrEqual(5);
  await page.goto('/');
  for (const name of names) {
    const tile = page.getByTestId(`tile-${name}`);
    await expect(tile).toBeVisible();
    // Status in words (and a shape), not colour alone.
    await expect(tile.getByTestId('health')).toHaveText(/Healthy|Idle|Degraded|Down|Disabled/);
    await expect(tile.getByTestId('tile-breaker')).toContainText(/closed|open/);
  }
  await expect(page.getByTestId('tiles-count')).toContainText(
    `Showing ${names.length} of ${names.length}`,
  );
  // The sparklines gain a point a second.
  const spark = page.getByTestId('tile-users').getByRole('img', { name: 'users p95 latency' });
  const points = async () => Number(await spark.getAttribute('data-points'));
  await expect.poll(points).toBeGreaterThan(0);
  const before = await points();
  await expect.poll(points, { timeout: 5_000 }).toBeGreaterThan(before);
  // Traffic reaches users: its calls per second show.
  await expect
    .poll(async () =>
      Number(await page.getByTestId('tile-users').getByTestId('tile-calls').textContent()),
    )
    .toBeGreaterThan(0);
});

test('an operator forces a breaker closed from the detail page, and the audit log shows it', async ({
  signedIn: admin,
  api,
  browser,
}) => {
  const operator = await signInAs(browser, api, 'operator');
  const page = operator.page;
  await page.goto('/');
  await page.getByTestId('tile-payments').getByRole('link', { name: 'payments' }).click();
  await expect(page).toHaveURL(/\/integrations\/payments$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('payments');
  await expect(page.getByTestId('chart-latency')).toBeVisible();

  await confirm(page, 'Force breaker closed', 'Force payments closed');
  await expect(page.getByTestId('toasts')).toContainText('payments: breaker forced closed');
  await expect(page.getByTestId('detail-breaker')).toContainText('held closed by operator');
  // Reflected live on the overview too.
  await page.getByRole('link', { name: '← Overview' }).click();
  await expect(page.getByTestId('tile-payments').getByTestId('tile-breaker')).toContainText(
    'closed (held by operator)',
  );

  await admin.goto('/admin/audit');
  const audit = admin.getByTestId('audit-table');
  const row = audit.locator('tr', { hasText: operator.username }).first();
  await expect(row).toContainText('breaker.forced');
  await expect(row).toContainText('integration:payments');
  await operator.close();
});

test('a viewer sees no controls, and the server refuses the actions anyway', async ({
  api,
  browser,
}) => {
  const viewer = await signInAs(browser, api, 'viewer');
  const page = viewer.page;
  await page.goto('/integrations/users');
  await expect(page.getByTestId('read-only')).toBeVisible();
  await expect(page.getByTestId('policies')).toBeVisible();
  await expect(
    page.getByRole('button', {
      name: /Force breaker|Disable integration|Switch to backup|Reset breaker/,
    }),
  ).toHaveCount(0);
  const headers = { origin: new URL(page.url()).origin, 'x-csrf': '1' };
  for (const [path, data] of [
    ['/api/integrations/users/kill-switch', { action: 'disable' }],
    ['/api/integrations/users/breaker', { action: 'force-closed' }],
    ['/api/integrations/email/provider', { mode: 'backup' }],
  ] as const) {
    const refused = await page.request.post(path, { headers, data });
    expect(refused.status()).toBe(403);
  }
  await viewer.close();
});

test('the kill switch and the switch to the backup provider show on the tiles', async ({
  signedIn: page,
}) => {
  await page.goto('/integrations/users');
  await confirm(page, 'Disable integration', 'Disable users');
  await expect(page.getByTestId('toasts')).toContainText('users disabled');
  await expect(page.getByTestId('detail-enabled')).toContainText('ON (disabled)');

  await page.goto('/integrations/email');
  await confirm(page, 'Switch to backup (email-backup)', 'Switch to email-backup');
  await expect(page.getByTestId('toasts')).toContainText('email: switched to email-backup');
  await expect(page.getByTestId('detail-provider')).toHaveText('backup');

  await page.goto('/');
  const users = page.getByTestId('tile-users');
  await expect(users).toHaveAttribute('data-health', 'disabled');
  await expect(users.getByTestId('health')).toContainText('Disabled');
  const email = page.getByTestId('tile-email');
  await expect(email.getByTestId('tile-provider')).toContainText(
    'email-backup (pinned by operator)',
  );
  await expect(email.getByTestId('health')).toContainText('switched to backup');

  // Both undone from the console: the tiles follow.
  await page.goto('/integrations/users');
  await confirm(page, 'Enable integration', 'Enable users');
  await page.goto('/integrations/email');
  await confirm(page, 'Back to automatic provider', 'Use email again');
  await page.goto('/');
  await expect(users).not.toHaveAttribute('data-health', 'disabled');
  await expect(email.getByTestId('tile-provider')).toHaveText('email');
});

test('a deep link restores the range and filters, and Back/Forward step through changes', async ({
  signedIn: page,
}) => {
  await page.goto('/?range=1h&q=email&sort=errors');
  await expect(page.getByLabel('Time range')).toHaveValue('1h');
  await expect(page.getByLabel('Search')).toHaveValue('email');
  await expect(page.getByLabel('Sort by')).toHaveValue('errors');
  await expect(page.getByTestId('tile-email')).toBeVisible();
  await expect(page.getByTestId('tile-email-backup')).toBeVisible();
  await expect(page.getByTestId('tile-users')).toHaveCount(0);

  await page.getByLabel('Time range').selectOption('15m');
  await expect(page).toHaveURL(/range=15m/);
  await page.getByLabel('Sort by').selectOption('name');
  await expect(page).not.toHaveURL(/sort=/);
  await page.goBack();
  await expect(page.getByLabel('Sort by')).toHaveValue('errors');
  await expect(page.getByLabel('Time range')).toHaveValue('15m');
  await page.goBack();
  await expect(page.getByLabel('Time range')).toHaveValue('1h');
  await page.goForward();
  await expect(page.getByLabel('Time range')).toHaveValue('15m');

  // Into a detail page and back: the range goes along, the overview's filters come back.
  await page.getByTestId('tile-email').getByRole('link', { name: 'email' }).click();
  await expect(page).toHaveURL(/\/integrations\/email\?range=15m$/);
  await expect(page.getByLabel('Time range')).toHaveValue('15m');
  await page.goBack();
  await expect(page.getByLabel('Search')).toHaveValue('email');

  // An incident-style link: range, a marked moment and the calls filter, restored.
  const at = Date.now() - 60_000;
  await page.goto(`/integrations/payments?range=1h&at=${at}&outcome=ok`);
  await expect(page.getByLabel('Time range')).toHaveValue('1h');
  await expect(page.getByTestId('marked-moment')).toBeVisible();
  await expect(page.getByLabel('Outcome')).toHaveValue('ok');
  await expect(page.getByTestId('chart-latency')).toHaveAttribute('data-points', /^[1-9]/);
});

test('an unknown integration shows the server message and a retry', async ({ signedIn: page }) => {
  await page.goto('/integrations/no-such-thing');
  await expect(page.getByRole('alert')).toContainText('No integration named "no-such-thing"');
  await expect(page.getByRole('button', { name: 'Retry' })).toBeVisible();
});
