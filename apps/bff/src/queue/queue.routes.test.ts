// The dead-letter API over HTTP on a real server: issues, dry-run replay, audited edit and discard.
import { DeadLetterIssueListSchema, EditPayloadResultSchema } from '@switchboard/shared/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, testEnv, type TestClient } from '../auth/test-session';
import { loadConfig } from '../config/config';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';
import { JobFailure } from './queue';

let server: RunningServer;
let api: TestClient;
const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

beforeAll(async () => {
  server = await startServer(loadConfig(testEnv()), silentLogger);
  api = await signIn(url(''), 'operator');
});
afterAll(() => server.close());

describe('dead letters over HTTP', () => {
  it('lists issues, replays with a dry run, edits (with a diff) and discards', async () => {
    const queue = server.switchboard.queue;
    if (!queue) throw new Error('no queue');
    queue.handle('test.send', () => {
      throw new JobFailure('http_4xx', 'email answered HTTP 400', { retryable: false });
    });
    const { id } = await queue.enqueue({
      type: 'test.send',
      payload: { to: 'a@x.io' },
      integration: 'email',
      operation: 'send',
    });
    await queue.runDue();
    const issues = DeadLetterIssueListSchema.parse(await api.json('/api/dead-letters/issues'));
    expect(issues.issues[0]).toMatchObject({ id: 'email/send/http_4xx', count: 1 });
    const dry = await api.json('/api/dead-letters/replay', {
      body: { selection: { issue: 'email/send/http_4xx' }, dryRun: true },
    });
    expect(dry).toEqual({ dryRun: true, count: 1, ids: [id] });
    const edited = EditPayloadResultSchema.parse(
      await api.json(`/api/dead-letters/${id}/payload`, {
        method: 'PUT',
        body: { payload: { to: 'b@x.io' } },
      }),
    );
    expect(edited.diff).toEqual([
      { path: '/to', op: 'replace', before: 'a@x.io', after: 'b@x.io' },
    ]);
    const discarded = await api.json('/api/dead-letters/discard', {
      body: { selection: { ids: [id] }, reason: 'test' },
    });
    expect(discarded).toEqual({ count: 1, ids: [id] });
    const admin = await signIn(url(''));
    const audit = await admin.json<{ items: Array<{ action: string }> }>(
      '/api/admin/audit?limit=10',
    );
    const actions = audit.items.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['dead_letters.edited', 'dead_letters.discarded']),
    );
  });

  it('replays a POST with the same Idempotency-Key instead of acting twice', async () => {
    const post = () =>
      api.fetch('/api/dead-letters/replay', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'replay-1' },
        body: JSON.stringify({ selection: { ids: ['none'] }, dryRun: false }),
      });
    expect((await post()).headers.get('idempotent-replayed')).toBeNull();
    expect((await post()).headers.get('idempotent-replayed')).toBe('true');
  });

  it('takes webhooks without a session or CSRF header (signature checked instead)', async () => {
    const res = await fetch(url('/webhooks/unknown'), { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });
});
