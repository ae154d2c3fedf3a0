// Journey: run a view and read its waterfall; with the email primary broken, the email source is
// answered by the backup provider and the waterfall says so.
import { expect, test } from './fixtures';

test.afterEach(async ({ api }) => {
  expect((await api.send('POST', '/api/sandbox/reset')).ok()).toBe(true);
  await api.send('POST', '/api/integrations/email/breaker', { action: 'release' });
});

test('the messaging view shows a failover source while the email primary fails', async ({
  signedIn: page,
  api,
}) => {
  await page.getByRole('link', { name: 'Views' }).click();
  await page.getByRole('link', { name: 'messaging' }).click();
  await expect(page).toHaveURL(/\/views\?view=messaging$/);
  const email = page.getByTestId('waterfall-row-email');
  await expect(email).toHaveAttribute('data-failover', 'false');
  await expect(email).toHaveAttribute('data-status', 'ok');
  await expect(page.getByTestId('waterfall')).toContainText('deadline 2000 ms');
  await expect(email.getByTestId('waterfall-deadline')).toBeVisible();

  // Break the primary from the chaos panel, then run the view again.
  await page.getByRole('link', { name: 'Sandbox' }).click();
  const card = page.getByTestId('provider-email');
  await card.getByLabel('Error rate (%)').fill('100');
  await card.getByRole('button', { name: 'Apply to email' }).click();
  await expect(card.getByTestId('fault-summary')).toHaveText(/failing 100 %/);
  await page.goBack();
  await expect(page).toHaveURL(/\/views\?view=messaging$/);
  await page.getByTestId('run-view').click();

  await expect(email).toHaveAttribute('data-failover', 'true');
  await expect(email).toHaveAttribute('data-status', 'fallback');
  await expect(email.getByTestId('failover')).toHaveText(/email-backup \(failover from email\)/);
  await expect(page.getByTestId('waterfall-row-users')).toHaveAttribute('data-status', 'ok');
  // The page and the API agree.
  const response = await api.get('/api/views/messaging');
  const body = (await response.json()) as { sources: Record<string, { provider: string }> };
  expect(body.sources.email?.provider).toBe('email-backup');
});

test('a view that waits for another source draws it after the first', async ({
  signedIn: page,
}) => {
  await page.goto('/views?view=user-profile');
  const users = page.getByTestId('waterfall-row-users');
  const profile = page.getByTestId('waterfall-row-profile');
  await expect(profile).toHaveAttribute('data-status', 'ok');
  const left = async (row: typeof users) =>
    parseFloat(
      (await row.getByTestId('waterfall-bar').evaluate((el: HTMLElement) => el.style.left)) || '0',
    );
  expect(await left(profile)).toBeGreaterThan(await left(users));
  await expect(page.getByText('Waits: profile after users')).toBeVisible();
});
