// The embedded job store's enqueue side over real SQLite files: idempotency keys held by the
// in-memory key index (decision 035) across restarts, prunes and rolled-back inserts, and a
// queue.db written by the release before (unique key index, accepted lines as webhook_log rows)
// opened by this one.
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewJob } from '../../queue/job-store';
import { JsonText } from '../../queue/queue';
import { webhookJobType } from '../../webhooks/webhooks.routes';
import { createJobKeyIndex, jobKeyHash } from './job-key-index';
import { openDatabase, type SqliteDatabase } from './sqlite';
import { createSqliteJobStore } from './sqlite-queue';
import { createSqliteWebhookLog } from './sqlite-webhook-log';

const t0 = Date.UTC(2026, 0, 1);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-queue-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const job = (id: string, key: string | null, type = 'email.send'): NewJob => ({
  id,
  type,
  payload: { to: 'a@x.io' },
  idempotencyKey: key,
  priority: 0,
  runAt: t0,
  maxAttempts: 3,
  backoff: { baseMs: 1000, maxMs: 8000 },
  integration: null,
  operation: null,
  createdAt: t0,
});

const indexes = (db: SqliteDatabase) =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index'")
    .all()
    .map((r) => r.name);

describe('idempotency keys in the embedded job store', () => {
  it('keeps a key after a restart, for as long as its job is stored', async () => {
    const dir = dataDir();
    const db = openDatabase(dir, 'queue.db');
    const store = createSqliteJobStore(db);
    expect(await store.insert(job('j1', 'k1'))).toEqual({ id: 'j1', created: true });
    // The same key of another type is another job.
    expect(await store.insert(job('j2', 'k1', 'sms.send'))).toEqual({ id: 'j2', created: true });
    db.close();

    const reopened = openDatabase(dir, 'queue.db');
    const again = createSqliteJobStore(reopened);
    expect(await again.insert(job('j3', 'k1'))).toEqual({ id: 'j1', created: false });
    expect(await again.insert(job('j4', 'k1', 'sms.send'))).toEqual({ id: 'j2', created: false });

    // Once its job is pruned (settled and past retention), the key is free again, as it was
    // when a unique index on the rows held it.
    const { claimed } = await again.claim('email.send', t0, 1000, 1);
    const lease = claimed[0];
    expect(lease?.job.id).toBe('j1');
    await again.settle(
      'j1',
      lease?.leaseToken ?? '',
      { attempt: 1, round: 1, startedAt: t0, endedAt: t0, durationMs: 0, outcome: 'ok' },
      { status: 'succeeded' },
    );
    expect(await again.pruneSettled(t0 + 1, 10)).toBe(1);
    expect(await again.insert(job('j5', 'k1'))).toEqual({ id: 'j5', created: true });
    reopened.close();
  });

  it('recognises a key inserted earlier in the same commit, and forgets one rolled back', async () => {
    const store = createSqliteJobStore(openDatabase(':memory:'));
    const [first, second] = await Promise.all([
      store.insert(job('a', 'same')),
      store.insert(job('b', 'same')),
    ]);
    expect(first).toEqual({ id: 'a', created: true });
    expect(second).toEqual({ id: 'a', created: false });

    // 'c' is inserted, then the batch fails on a taken id and its savepoint undoes 'c'.
    await expect(store.insertMany([job('c', 'rolled'), job('a', null)])).rejects.toThrow();
    expect(await store.get('c')).toBeUndefined();
    expect(await store.insert(job('d', 'rolled'))).toEqual({ id: 'd', created: true });
  });

  it('stores a JSON-text payload as it is, and reads it back parsed', async () => {
    const store = createSqliteJobStore(openDatabase(':memory:'));
    const text = '{"event": {"id": "evt_1", "n": [1, 2]}}';
    await store.insert({ ...job('t1', null), payload: new JsonText(text) });
    expect((await store.get('t1'))?.payload).toEqual({ event: { id: 'evt_1', n: [1, 2] } });
    expect(JSON.stringify({ p: new JsonText(text) })).toBe(
      '{"p":{"event":{"id":"evt_1","n":[1,2]}}}',
    );
  });

  it('tells colliding hashes apart by reading the rows', () => {
    // Two keys with the same 30-bit hash (found by search: a birthday collision comes fast).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i += 1) {
      const key = `evt_${i}`;
      const h = jobKeyHash('t', key);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, key];
      else seen.set(h, key);
    }
    const [k1, k2] = pair;
    const rows = new Map<number, { type: string; key: string; id: string }>();
    const index = createJobKeyIndex((rowid) => rows.get(rowid));
    rows.set(1, { type: 't', key: k1, id: 'job-1' });
    index.add('t', k1, 1);
    expect(index.find('t', k2)).toBeUndefined();
    rows.set(2, { type: 't', key: k2, id: 'job-2' });
    index.add('t', k2, 2);
    expect([index.find('t', k1), index.find('t', k2), index.size]).toEqual(['job-1', 'job-2', 1]);
    index.remove('t', k1, 1);
    rows.delete(1);
    expect([index.find('t', k1), index.find('t', k2)]).toEqual([undefined, 'job-2']);
  });
});

describe('a queue.db from the release before decision 035', () => {
  // The schema as that release created it (jobs with a unique key index; accepted deliveries as
  // webhook_log rows), with one keyed webhook job and its accepted line.
  const before = `
CREATE TABLE jobs (id TEXT PRIMARY KEY, type TEXT NOT NULL, payload TEXT NOT NULL,
  idempotency_key TEXT, status TEXT NOT NULL, priority INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,
  round INTEGER NOT NULL DEFAULT 1, revision INTEGER NOT NULL DEFAULT 0,
  backoff_base_ms INTEGER NOT NULL, backoff_max_ms INTEGER NOT NULL, run_at INTEGER NOT NULL,
  lease_until INTEGER, lease_token TEXT, integration TEXT, operation TEXT, last_error_kind TEXT,
  last_error_message TEXT, history TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, dead_at INTEGER, discard_reason TEXT);
CREATE UNIQUE INDEX jobs_idempotency ON jobs (type, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_dead ON jobs (status, dead_at);
CREATE INDEX jobs_claim ON jobs (type, status, priority DESC, run_at, created_at);
CREATE INDEX jobs_settled ON jobs (updated_at) WHERE status IN ('succeeded', 'discarded');
CREATE TABLE webhook_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
  source TEXT NOT NULL, delivery_id TEXT, outcome TEXT NOT NULL, reason TEXT, event_type TEXT,
  body_bytes INTEGER NOT NULL, job_id TEXT, triggered TEXT);
CREATE INDEX webhook_log_source ON webhook_log (source, id);
CREATE INDEX webhook_log_job ON webhook_log (job_id) WHERE job_id IS NOT NULL;
INSERT INTO jobs (id, type, payload, idempotency_key, status, priority, max_attempts,
  backoff_base_ms, backoff_max_ms, run_at, integration, operation, created_at, updated_at)
  VALUES ('old-job', '${webhookJobType}', '{}', 'billing:msg_old', 'queued', 0, 5, 1000, 60000,
    ${t0}, 'webhook-billing', 'invoice.paid', ${t0}, ${t0});
INSERT INTO webhook_log (at, source, delivery_id, outcome, reason, event_type, body_bytes, job_id)
  VALUES (${t0}, 'billing', 'msg_old', 'accepted', NULL, 'invoice.paid', 42, 'old-job');
`;

  it('opens it: the unique and full dead indexes replaced, old keys and lines kept, new lines on job rows', async () => {
    const dir = dataDir();
    const old = openDatabase(dir, 'queue.db');
    old.exec(before);
    old.close();

    const db = openDatabase(dir, 'queue.db');
    const store = createSqliteJobStore(db);
    const log = createSqliteWebhookLog(db);
    expect(indexes(db)).not.toContain('jobs_idempotency');
    // jobs_dead (status, dead_at) gave way to the partial jobs_dead_at (dead jobs only).
    expect(indexes(db)).not.toContain('jobs_dead');
    expect(indexes(db)).toContain('jobs_dead_at');
    // A redelivery of the delivery accepted before the upgrade is still a duplicate.
    const redelivered = job('new-job', 'billing:msg_old', webhookJobType);
    const fresh = job('fresh-job', 'billing:msg_new', webhookJobType);
    const lineOf = (deliveryId: string) => ({
      at: t0 + 1,
      source: 'billing',
      deliveryId,
      eventType: 'invoice.paid',
      bodyBytes: 7,
    });
    expect(
      await log.appendEnqueued(lineOf('msg_old'), (origin) =>
        store.insert({ ...redelivered, origin }),
      ),
    ).toEqual({ id: 'old-job', created: false });
    expect(
      await log.appendEnqueued(lineOf('msg_new'), (origin) => store.insert({ ...fresh, origin })),
    ).toEqual({ id: 'fresh-job', created: true });
    await log.setTriggered('old-job', 'flow a (run 1)');
    await log.setTriggered('fresh-job', 'flow a (run 2)');

    // The accepted delivery is one row: no line of its own in webhook_log.
    const ownLines = db
      .prepare<[], { outcome: string; delivery_id: string }>(
        'SELECT outcome, delivery_id FROM webhook_log ORDER BY id',
      )
      .all();
    expect(ownLines).toEqual([
      { outcome: 'accepted', delivery_id: 'msg_old' },
      { outcome: 'duplicate', delivery_id: 'msg_old' },
    ]);
    const listed = await log.list({ limit: 10 });
    expect(listed.map((e) => [e.outcome, e.deliveryId, e.jobId, e.triggered])).toEqual([
      ['duplicate', 'msg_old', 'old-job', 'flow a (run 1)'],
      ['accepted', 'msg_new', 'fresh-job', 'flow a (run 2)'],
      ['accepted', 'msg_old', 'old-job', 'flow a (run 1)'],
    ]);
    expect(new Set(listed.map((e) => e.id)).size).toBe(3);
    expect(listed[1]).toMatchObject({ at: t0 + 1, source: 'billing', bodyBytes: 7 });
    expect((await log.list({ source: 'other', limit: 10 })).length).toBe(0);
    expect((await log.list({ source: 'billing', limit: 2 })).map((e) => e.outcome)).toEqual([
      'duplicate',
      'accepted',
    ]);
    db.close();
  });
});
