// Journey: a dead letter is inspected (payload, attempts), its payload edited with the diff shown,
// then replayed after a dry run; it leaves the dead-letter list and the queue runs it to success.
//
// The dead letter is written into the running BFF's queue.db as the queue itself stores one after
// three failed attempts, so the journey does not wait out real retries and backoff. It is a webhook
// delivery (the processor's payload shape) whose event type starts no flow, which the server's
// workers run, so the replay is carried out for real.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { JobSchema, QueueStatsSchema } from '@switchboard/shared/queue';
import { dataDir } from './e2e-env';
import { expect, test } from './fixtures';

function seedDeadLetter(payload: unknown): string {
  const id = `e2e-${randomUUID()}`;
  const now = Date.now();
  const history = [1, 2, 3].map((attempt) => ({
    attempt,
    round: 1,
    startedAt: now - 4000 + attempt * 1000,
    endedAt: now - 4000 + attempt * 1000 + 40,
    durationMs: 40,
    outcome: 'error',
    errorKind: 'http_5xx',
    message: 'email answered HTTP 503',
    provider: 'email',
  }));
  const db = new Database(join(dataDir(), 'queue.db'));
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare(
      `INSERT INTO jobs (id, type, payload, idempotency_key, status, priority, attempts, max_attempts,
         round, revision, backoff_base_ms, backoff_max_ms, run_at, integration, operation,
         last_error_kind, last_error_message, history, created_at, updated_at, dead_at)
       VALUES (?, 'webhook.process', ?, ?, 'dead', 0, 3, 3, 1, 0, 100, 1000, ?, 'email', 'send',
         'http_5xx', 'email answered HTTP 503', ?, ?, ?, ?)`,
    ).run(
      id,
      JSON.stringify(payload),
      `key-${id}`,
      now,
      JSON.stringify(history),
      now - 5000,
      now,
      now,
    );
  } finally {
    db.close();
  }
  return id;
}

const issueId = 'email/send/http_5xx';

test('inspect, edit and replay a dead letter after a dry run', async ({ signedIn: page, api }) => {
  const delivery = (email: string) => ({
    source: 'payments',
    deliveryId: `evt_${Date.now()}`,
    eventType: 'customer.updated',
    event: { email },
  });
  const original = delivery('ada@example.com');
  const id = seedDeadLetter(original);

  await page.getByRole('link', { name: 'Dead letters' }).click();
  const issue = page.getByTestId(`issue-row-${issueId}`);
  await expect(issue.getByTestId('issue-count')).toHaveText('1');
  await issue.getByRole('link', { name: 'email.send' }).click();
  await page.getByTestId(`letter-row-${id}`).getByRole('link', { name: id }).click();
  await expect(page).toHaveURL(new RegExp(`letter=${id}`));

  const detail = page.getByTestId('letter-detail');
  await expect(detail.getByTestId('payload')).toContainText('ada@example.com');
  await expect(detail.getByTestId('attempts-table').locator('tbody tr')).toHaveCount(3);
  await expect(detail.getByTestId('attempts-table')).toContainText('email answered HTTP 503');

  // Edit: the diff shows before saving; the server keeps the new revision.
  await detail.getByRole('button', { name: 'Edit payload' }).click();
  await detail
    .getByLabel('Payload (JSON)')
    .fill(JSON.stringify({ ...original, event: { email: 'ada@example.org' } }));
  await expect(detail.getByTestId('payload-diff')).toContainText('/event/email');
  await expect(detail.getByTestId('payload-diff')).toContainText('"ada@example.org"');
  await detail.getByRole('button', { name: 'Save payload' }).click();
  await expect(page.getByTestId('toasts')).toContainText(
    'Saved the payload (revision 1, 1 change)',
  );
  const edited = JobSchema.parse(await (await api.get(`/api/dead-letters/${id}`)).json());
  expect(edited.payload).toEqual({ ...original, event: { email: 'ada@example.org' } });
  expect(edited.revision).toBe(1);

  // Replay: the dry run counts, nothing is sent until confirmed.
  await detail.getByRole('button', { name: 'Replay…' }).click();
  const confirm = page.getByTestId('replay-confirm');
  await expect(confirm).toContainText('Dry run: 1 dead letter will be sent back to the queue.');
  expect(JobSchema.parse(await (await api.get(`/api/dead-letters/${id}`)).json()).status).toBe(
    'dead',
  );
  await confirm.getByRole('button', { name: 'Replay 1' }).click();
  await expect(page.getByTestId('toasts')).toContainText('Replayed 1 dead letter');
  await expect(page.getByTestId(`issue-row-${issueId}`)).toHaveCount(0);

  // The queue ran it: no dead letters left, one webhook job succeeded.
  await page.getByRole('link', { name: 'Queue' }).click();
  await expect(page.getByTestId('queue-dead')).toHaveText('0');
  await expect(page.getByTestId('queue-type-webhook.process')).toBeVisible();
  await expect
    .poll(async () => {
      const stats = QueueStatsSchema.parse(await (await api.get('/api/queue/stats')).json());
      return stats.byType['webhook.process']?.succeeded ?? 0;
    })
    .toBeGreaterThanOrEqual(1);

  // Both actions are in the audit log.
  await page.goto('/admin/audit');
  await expect(page.getByTestId('audit-table')).toContainText('dead_letters.replayed');
  await expect(page.getByTestId('audit-table')).toContainText('dead_letters.edited');
});

test('discarding a whole issue needs a reason', async ({ signedIn: page, api }) => {
  const ids = [seedDeadLetter({ n: 1 }), seedDeadLetter({ n: 2 })];
  await page.goto('/dead-letters');
  const issue = page.getByTestId(`issue-row-${issueId}`);
  await expect(issue.getByTestId('issue-count')).toHaveText('2');
  await issue.getByRole('button', { name: 'Discard issue…' }).click();
  const form = issue.getByRole('form', { name: 'Discard issue…' });
  await form.getByRole('button', { name: 'Discard' }).click();
  await expect(form.getByRole('alert')).toContainText('Say why');
  await form.getByLabel('Reason').fill('test letters from the e2e run');
  await form.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByTestId('toasts')).toContainText('Discarded 2 dead letters.');
  await expect(issue).toHaveCount(0);
  for (const id of ids) {
    const job = JobSchema.parse(await (await api.get(`/api/dead-letters/${id}`)).json());
    expect(job).toMatchObject({
      status: 'discarded',
      discardReason: 'test letters from the e2e run',
    });
  }
});
