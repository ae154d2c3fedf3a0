// Journey: an admin adds a viewer; the viewer sees no admin pages or actions; the admin ends the
// viewer's session, which signs the viewer's browser out; the audit log shows who did what.
import { expect, test } from './fixtures';
import { signInThroughForm } from './fixtures';

test('an admin manages users and sessions, and the audit log records it', async ({
  signedIn: page,
  browser,
}) => {
  const username = `viewer-${Date.now().toString(36)}`;
  const password = `${username}-long-password`;

  // The main navigation's link: the overview also links to the `users` integration's tile.
  const nav = (p: typeof page) => p.getByRole('navigation', { name: 'Main' });
  await nav(page).getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Role', { exact: true }).selectOption('viewer');
  await page.getByLabel('Initial password').fill(password);
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByTestId(`user-row-${username}`)).toBeVisible();

  // The viewer, in a browser of their own.
  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  await signInThroughForm(viewer, username, password);
  await expect(viewer.getByTestId('current-user')).toContainText(username);
  await expect(nav(viewer).getByRole('link', { name: 'Users', exact: true })).toHaveCount(0);
  // And the server refuses what the UI does not offer.
  const act = await viewer.request.post('/api/integrations/payments/breaker', {
    headers: { origin: new URL(viewer.url()).origin, 'x-csrf': '1' },
    data: { action: 'force-open' },
  });
  expect(act.status()).toBe(403);

  // The admin ends the viewer's session: the viewer's console notices and asks to sign in again.
  await page.getByRole('link', { name: 'Sessions' }).click();
  const row = page.locator('tr', { hasText: username });
  await row.getByRole('button', { name: 'End' }).click();
  await row.getByRole('button', { name: 'End session' }).click();
  await expect(row).toHaveCount(0);
  await expect(viewer).toHaveURL(/\/sign-in/, { timeout: 15_000 });

  await page.getByRole('link', { name: 'Audit log' }).click();
  const audit = page.getByTestId('audit-table');
  await expect(audit).toContainText('session.revoked');
  await expect(audit).toContainText('user.created');
  await viewerContext.close();
});
