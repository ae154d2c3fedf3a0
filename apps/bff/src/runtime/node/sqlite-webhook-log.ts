// The embedded WebhookLog, in queue.db next to the jobs the deliveries started.
import { WebhookLogEntrySchema, type WebhookLogEntry } from '@switchboard/shared/queue';
import type { WebhookLog } from '../../webhooks/webhook-log';
import type { SqliteDatabase } from './sqlite';
import type { EnqueueResult } from '../../queue/queue';
import { groupCommit, writeAfter } from './sqlite-group-commit';
import { asyncPort, type Sync } from './sync-port';

const schema = `
CREATE TABLE IF NOT EXISTS webhook_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  source TEXT NOT NULL,
  delivery_id TEXT,
  outcome TEXT NOT NULL,
  reason TEXT,
  event_type TEXT,
  body_bytes INTEGER NOT NULL,
  job_id TEXT
);
CREATE INDEX IF NOT EXISTS webhook_log_source ON webhook_log (source, id);
CREATE INDEX IF NOT EXISTS webhook_log_job ON webhook_log (job_id) WHERE job_id IS NOT NULL;
`;

interface Row {
  id: number;
  at: number;
  source: string;
  delivery_id: string | null;
  outcome: string;
  reason: string | null;
  event_type: string | null;
  body_bytes: number;
  job_id: string | null;
  triggered: string | null;
}

/** What the job store's insert write returns, checked before the log line is made from it. */
function asEnqueueResult(raw: unknown): EnqueueResult {
  const r = raw as Partial<EnqueueResult> | null;
  if (typeof r?.id !== 'string' || typeof r.created !== 'boolean')
    throw new Error('the enqueue joined by the webhook log did not return a job id');
  return { id: r.id, created: r.created };
}

/** Appends are group-committed with the jobs (sqlite-group-commit.ts).
 * @example const log = createSqliteWebhookLog(openQueueDatabase('.data')); */
export function createSqliteWebhookLog(db: SqliteDatabase): WebhookLog {
  db.exec(schema);
  // Added after the first release of this table: databases created before get the column here.
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(webhook_log)').all();
  if (!columns.some((c) => c.name === 'triggered'))
    db.exec('ALTER TABLE webhook_log ADD COLUMN triggered TEXT');
  const setTriggered = db.prepare<[string, string]>(
    'UPDATE webhook_log SET triggered = ? WHERE job_id = ?',
  );
  // Positional parameters: better-sqlite3 binds them faster than named ones (one per delivery).
  const insertRow = db.prepare<
    [number, string, string | null, string, string | null, string | null, number, string | null]
  >(
    `INSERT INTO webhook_log (at, source, delivery_id, outcome, reason, event_type, body_bytes, job_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insert = {
    run: (e: Omit<WebhookLogEntry, 'id' | 'triggered'>) =>
      insertRow.run(
        e.at,
        e.source,
        e.deliveryId,
        e.outcome,
        e.reason,
        e.eventType,
        e.bodyBytes,
        e.jobId,
      ),
  };
  // Ids grow with arrival time, so the oldest lines are the first ids: no index on `at` to pay
  // for on every delivery.
  const oldest = db.prepare<[number], { id: number; at: number }>(
    'SELECT id, at FROM webhook_log ORDER BY id LIMIT ?',
  );
  const deleteThrough = db.prepare<[number]>('DELETE FROM webhook_log WHERE id <= ?');
  const all = db.prepare<[number], Row>('SELECT * FROM webhook_log ORDER BY id DESC LIMIT ?');
  const bySource = db.prepare<[string, number], Row>(
    'SELECT * FROM webhook_log WHERE source = ? ORDER BY id DESC LIMIT ?',
  );
  const toEntry = (r: Row): WebhookLogEntry =>
    WebhookLogEntrySchema.parse({
      id: r.id,
      at: r.at,
      source: r.source,
      deliveryId: r.delivery_id,
      outcome: r.outcome,
      reason: r.reason,
      eventType: r.event_type,
      bodyBytes: r.body_bytes,
      jobId: r.job_id,
      triggered: r.triggered,
    });
  const reads: Sync<Pick<WebhookLog, 'list'>> = {
    list: ({ source, limit }) =>
      (source === undefined ? all.all(limit) : bySource.all(source, limit)).map(toEntry),
  };
  // Shares the queue's group commit: a delivery's job and its log line cost one fsync between
  // every delivery of the same event-loop turn.
  const write = groupCommit(db);
  return {
    ...asyncPort(reads),
    append: (entry) =>
      write(() => {
        insert.run(entry);
      }),
    prune: (before, limit) =>
      write(() => {
        // The run of oldest lines written before `before`, stopping at the first later one.
        let through: number | undefined;
        let n = 0;
        for (const row of oldest.all(limit)) {
          if (row.at >= before) break;
          through = row.id;
          n += 1;
        }
        if (through !== undefined) deleteThrough.run(through);
        return n;
      }),
    setTriggered: (jobId, triggered) =>
      write(() => {
        setTriggered.run(triggered, jobId);
      }),
    // The log lives in queue.db: the job's insert and its log line share one transaction.
    appendEnqueued: async (enqueue, line) => {
      const [job] = await writeAfter(
        db,
        enqueue,
        (result) => {
          insert.run(line(result));
        },
        asEnqueueResult,
      );
      return job;
    },
  };
}
