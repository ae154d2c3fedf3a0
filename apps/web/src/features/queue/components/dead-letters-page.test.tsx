// @vitest-environment jsdom
// Dead letters: replay an issue only after a dry run has said how many will be sent; inspect a
// letter's attempts; discard needs a reason; viewers get no action buttons.
import type { DeadLetterIssue, Job } from '@switchboard/shared/queue';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorBody, json, meFor } from '../../../test/fake-server';
import { renderApp } from '../../../test/render-app';

const issue: DeadLetterIssue = {
  id: 'email/send/http_5xx',
  integration: 'email',
  operation: 'send',
  errorKind: 'http_5xx',
  count: 2,
  firstSeen: 1_700_000_000_000,
  lastSeen: 1_700_000_100_000,
  sampleMessage: 'email answered HTTP 503',
};

const letter = (id: string): Job => ({
  id,
  type: 'email.send',
  payload: { to: `${id}@example.com` },
  idempotencyKey: `key-${id}`,
  status: 'dead',
  priority: 0,
  attempts: 3,
  maxAttempts: 3,
  round: 1,
  revision: 0,
  runAt: 0,
  leaseUntil: null,
  integration: 'email',
  operation: 'send',
  lastErrorKind: 'http_5xx',
  createdAt: 0,
  updatedAt: 0,
  deadAt: 1_700_000_100_000,
  discardReason: null,
  history: [
    {
      attempt: 1,
      round: 1,
      startedAt: 1_700_000_000_000,
      endedAt: 1_700_000_000_050,
      durationMs: 50,
      outcome: 'error',
      errorKind: 'http_5xx',
      message: 'email answered HTTP 503',
      provider: 'email',
    },
  ],
});

function routes(role: 'operator' | 'viewer') {
  let issues = [issue];
  return {
    'GET /auth/me': () => json(200, meFor(role)),
    'GET /api/sandbox/providers': () => errorBody(404, 'not_found', 'no sandbox'),
    'GET /api/dead-letters/issues': () =>
      json(200, { issues, total: issues.reduce((n, i) => n + i.count, 0) }),
    'GET /api/dead-letters': () =>
      json(200, { items: issues.length ? [letter('j1'), letter('j2')] : [] }),
    'GET /api/dead-letters/j1': () => json(200, letter('j1')),
    'POST /api/dead-letters/replay': ({ body }: { body: unknown }) => {
      const { dryRun } = body as { dryRun: boolean };
      if (!dryRun) issues = [];
      return json(200, { dryRun, count: 2, ids: ['j1', 'j2'] });
    },
    'POST /api/dead-letters/discard': () => json(200, { count: 1, ids: ['j1'] }),
  };
}

describe('dead letters page', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('replays a whole issue after a dry run says how many will be sent', async () => {
    const { server } = renderApp('/dead-letters', routes('operator'));
    const row = await screen.findByTestId(`issue-row-${issue.id}`);
    expect(within(row).getByTestId('issue-count').textContent).toBe('2');
    fireEvent.click(within(row).getByRole('button', { name: 'Replay issue…' }));
    const confirm = await screen.findByTestId('replay-confirm');
    expect(confirm.textContent).toContain(
      'Dry run: 2 dead letters will be sent back to the queue.',
    );
    expect(document.activeElement?.textContent).toBe('Cancel');
    const replays = () => server.requests.filter((r) => r.path === '/api/dead-letters/replay');
    expect(replays().map((r) => r.body)).toEqual([
      { selection: { issue: issue.id }, dryRun: true },
    ]);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Replay 2' }));
    expect(await screen.findByText('Replayed 2 dead letters: back in the queue.')).toBeTruthy();
    expect(replays()[1]?.body).toEqual({ selection: { issue: issue.id }, dryRun: false });
    expect(
      await screen.findByText('No dead letters: every job has succeeded or is still being tried.'),
    ).toBeTruthy();
  });

  it('shows a letter with its attempts, and asks for a reason before discarding it', async () => {
    const { server } = renderApp(
      `/dead-letters?issue=${encodeURIComponent(issue.id)}&letter=j1`,
      routes('operator'),
    );
    const detail = await screen.findByTestId('letter-detail');
    expect((await within(detail).findByTestId('payload')).textContent).toContain('j1@example.com');
    expect(within(detail).getByTestId('attempts-table').textContent).toContain(
      'http_5xx: email answered HTTP 503',
    );
    fireEvent.click(within(detail).getByRole('button', { name: 'Discard…' }));
    const form = within(detail).getByRole('form', { name: 'Discard…' });
    fireEvent.click(within(form).getByRole('button', { name: 'Discard' }));
    expect(within(form).getByRole('alert').textContent).toContain('Say why');
    expect(server.count('POST', '/api/dead-letters/discard')).toBe(0);
    fireEvent.change(within(form).getByLabelText('Reason'), { target: { value: 'test data' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Discard' }));
    expect(await screen.findByText('Discarded 1 dead letter.')).toBeTruthy();
    expect(server.requests.find((r) => r.path === '/api/dead-letters/discard')?.body).toEqual({
      selection: { ids: ['j1'] },
      reason: 'test data',
    });
  });

  it('gives a viewer the lists and the payload, but no action buttons', async () => {
    renderApp(`/dead-letters?issue=${encodeURIComponent(issue.id)}&letter=j1`, routes('viewer'));
    const detail = await screen.findByTestId('letter-detail');
    await within(detail).findByTestId('payload');
    await screen.findByTestId('letter-row-j2');
    expect(screen.queryAllByRole('button').map((b) => b.textContent)).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/Replay|Discard|Edit payload/)]),
    );
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
  });
});
