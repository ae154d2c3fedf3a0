// Journey: a breaker forced open fires the breaker-open alert; the incident shows on the timeline
// with a link to that moment in the charts; an operator acknowledges it; a viewer cannot.
import { IncidentListSchema } from '@switchboard/shared/alerts';
import { expect, signInThroughForm, test } from './fixtures';

test.afterEach(async ({ api }) => {
  await api.send('POST', '/api/integrations/payments/breaker', { action: 'release' });
});

test('an incident fires, links to its moment, and is acknowledged by an operator only', async ({
  signedIn: page,
  api,
  browser,
}) => {
  const forced = await api.send('POST', '/api/integrations/payments/breaker', {
    action: 'force-open',
  });
  expect(forced.ok()).toBe(true);
  // Judged once a second: wait for the incident rather than for time.
  await expect
    .poll(
      async () => {
        const list = IncidentListSchema.parse(
          await (await api.get('/api/incidents?status=open')).json(),
        );
        return list.items.find(
          (i) => i.rule === 'breaker-open' && i.integration === 'payments' && !i.acknowledgedAt,
        )?.id;
      },
      { timeout: 15_000 },
    )
    .toBeDefined();
  const list = IncidentListSchema.parse(await (await api.get('/api/incidents?status=open')).json());
  const incident = list.items.find(
    (i) => i.rule === 'breaker-open' && i.integration === 'payments',
  );
  if (!incident) throw new Error('the breaker-open incident is gone');

  await page.getByRole('link', { name: 'Incidents' }).click();
  const item = page.getByTestId(`incident-${incident.id}`);
  await expect(item).toHaveAttribute('data-state', 'firing');
  await expect(item).toContainText('breaker-open on payments');
  await expect(item.getByTestId('incident-charts-link')).toHaveAttribute(
    'href',
    `/integrations/payments?range=1h&at=${incident.firedAt}`,
  );

  // A viewer, in a browser of their own, sees it but has nothing to press.
  const username = `viewer-${Date.now().toString(36)}`;
  const password = `${username}-long-password`;
  const created = await api.send('POST', '/api/admin/users', {
    username,
    role: 'viewer',
    password,
  });
  expect(created.ok()).toBe(true);
  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  await signInThroughForm(viewer, username, password);
  await viewer.goto('/incidents');
  await expect(viewer.getByTestId(`incident-${incident.id}`)).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0);
  await viewerContext.close();

  await item.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(page.getByTestId('toasts')).toContainText(`Acknowledged incident ${incident.id}`);
  await expect(item).toHaveAttribute('data-state', 'acknowledged');
  await expect(item).toContainText('by admin');
  await expect(item.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0);

  // Open only: still listed until the breaker closes and the rule resolves it.
  await page.getByLabel('Show').selectOption('open');
  await expect(page).toHaveURL(/\/incidents\?status=open$/);
  await expect(item).toBeVisible();
});
