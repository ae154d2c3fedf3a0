// Journey: an operator breaks a provider from the chaos panel; the provider's state changes in the
// panel, in the control API and on the overview; the traffic slider and reset work too.
import { SandboxProviderListSchema, TrafficRateSchema } from '@switchboard/shared/sandbox';
import { expect, test, type Api } from './fixtures';

async function provider(api: Api, name: string) {
  const response = await api.get('/api/sandbox/providers');
  expect(response.ok()).toBe(true);
  const found = SandboxProviderListSchema.parse(await response.json()).providers.find(
    (p) => p.name === name,
  );
  if (!found) throw new Error(`no sandbox provider ${name}`);
  return found;
}

test.afterEach(async ({ api }) => {
  expect((await api.send('POST', '/api/sandbox/reset')).ok()).toBe(true);
  await api.send('POST', '/api/integrations/payments/breaker', { action: 'release' });
  expect((await api.send('PUT', '/api/sandbox/traffic', { perSecond: 4 })).ok()).toBe(true);
});

test('a fault injected from the chaos panel changes the provider and the overview', async ({
  signedIn: page,
  api,
}) => {
  await page.getByRole('link', { name: 'Sandbox' }).click();
  const card = page.getByTestId('provider-payments');
  await expect(card.getByTestId('fault-summary')).toHaveText(/Healthy/);

  await card.getByLabel('Error rate (%)').fill('100');
  await card.getByRole('button', { name: 'Apply to payments' }).click();
  await expect(page.getByTestId('toasts')).toContainText('Faults applied to payments.');
  await expect(card.getByTestId('fault-summary')).toHaveText(/failing 100 % \(HTTP 503\)/);
  expect((await provider(api, 'payments')).faults.failureRate).toBe(1);

  // The overview's payments tile shows the failure (its calls failing, or its breaker open).
  await page.getByRole('link', { name: 'Overview' }).click();
  const tile = page.getByTestId('tile-payments');
  await expect(tile).toHaveAttribute('data-health', 'down', { timeout: 15_000 });
  await expect(tile.getByTestId('health')).toContainText(/breaker open|errors/);

  // Healing from the panel puts it back.
  await page.getByRole('link', { name: 'Sandbox' }).click();
  await card.getByRole('button', { name: 'Heal payments' }).click();
  await expect(card.getByTestId('fault-summary')).toHaveText(/Healthy/);
  expect((await provider(api, 'payments')).faults.failureRate).toBe(0);
});

test('the traffic slider and reset change the sandbox, by keyboard', async ({
  signedIn: page,
  api,
}) => {
  await page.goto('/sandbox');
  const slider = page.getByLabel('Traffic: overview runs per second');
  await expect(slider).toHaveValue('4');
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('toasts')).toContainText('Demo traffic at 6 overview runs');
  const rate = TrafficRateSchema.parse(await (await api.get('/api/sandbox/traffic')).json());
  expect(rate.perSecond).toBe(6);

  await page
    .getByTestId('provider-email')
    .getByLabel('429 storm (every request rate-limited)')
    .check();
  await page.getByTestId('provider-email').getByRole('button', { name: 'Apply to email' }).click();
  await expect(page.getByTestId('provider-email').getByTestId('fault-summary')).toHaveText(
    /429 storm/,
  );
  await page.getByRole('button', { name: 'Reset everything' }).click();
  await page.getByRole('button', { name: 'Reset the sandbox' }).click();
  await expect(page.getByTestId('toasts')).toContainText('Every provider is healthy again.');
  await expect(page.getByTestId('provider-email').getByTestId('fault-summary')).toHaveText(
    /Healthy/,
  );
  expect((await provider(api, 'email')).faults.rateLimitStorm).toBe(false);
});

test('the sandbox CRM sends a webhook that the log shows accepted and turned into a flow run', async ({
  signedIn: page,
}) => {
  await page.goto('/sandbox');
  const panel = page.getByRole('region', { name: 'CRM webhooks' });
  await panel.getByRole('button', { name: 'Send contact.created' }).click();
  const result = panel.getByTestId('webhook-result');
  await expect(result).toContainText('HTTP 202, accepted');
  const deliveryId = (await result.locator('code').textContent()) ?? '';
  expect(deliveryId).toMatch(/^msg_/);

  // A broken one is refused, with the reason.
  await panel.getByLabel('Delivery').selectOption('tampered');
  await panel.getByRole('button', { name: 'Send contact.created' }).click();
  await expect(result).toContainText('HTTP 401, Webhook refused: bad signature.');

  await panel.getByRole('link', { name: 'See the webhook log' }).click();
  const row = page.getByTestId('webhook-log').getByRole('row').filter({ hasText: deliveryId });
  await expect(row).toHaveAttribute('data-outcome', 'accepted');
  // The log refreshes on its own: the flow the delivery started appears once its job ran.
  await expect(row.getByTestId('webhook-triggered')).toHaveText(/^flow contact-sync \(run /, {
    timeout: 15_000,
  });
  await expect(
    page.getByTestId('webhook-log').getByRole('row').filter({ hasText: 'bad signature' }).first(),
  ).toHaveAttribute('data-outcome', 'rejected');
});
