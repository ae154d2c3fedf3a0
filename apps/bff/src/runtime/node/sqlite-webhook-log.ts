// The embedded WebhookLog, in queue.db next to the jobs the deliveries started. An accepted
// delivery is one row: its line rides on its job (the job's `origin` text and `triggered` column)
// and is read back from there; rejected and duplicate deliveries get a row of their own in
// `webhook_log` (decision 035). The page lists both, newest first.
import { WebhookLogEntrySchema, type WebhookLogEntry } from '@switchboard/shared/queue';
import { z } from 'zod';
import type { WebhookLog } from '../../webhooks/webhook-log';
import { webhookJobType } from '../../webhooks/webhooks.routes';
import { addMissingTextColumns, columnsOf, type SqliteDatabase } from './sqlite';
import { groupCommit } from './sqlite-group-commit';
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

/** An accepted delivery's line as its job's `origin` keeps it. */
const OriginSchema = z.object({
  at: z.number(),
  source: z.string(),
  deliveryId: z.string().nullable(),
  eventType: z.string().nullable(),
  bodyBytes: z.number().int().nonnegative(),
});

interface JobLineRow {
  rowid: number;
  id: string;
  origin: string;
  triggered: string | null;
}

/**
 * Line ids: a line of its own is `2 × its row id + 1`, a line kept on a job `2 × the job's rowid`,
 * so the two kinds never share an id (the page keys its rows by it).
 */
const ownLineId = (id: number) => id * 2 + 1;
const jobLineId = (rowid: number) => rowid * 2;

/**
 * Appends are group-committed with the jobs (sqlite-group-commit.ts). Needs the job store's tables
 * on the same connection (createSqliteJobStore first): accepted lines live on job rows.
 * @example const db = openQueueDatabase('.data'); createSqliteJobStore(db); const log = createSqliteWebhookLog(db);
 */
export function createSqliteWebhookLog(db: SqliteDatabase): WebhookLog {
  if (!columnsOf(db, 'jobs').has('origin'))
    throw new Error('the webhook log needs the job store on the same database: create it first');
  db.exec(schema);
  // Added after the first release of this table.
  addMissingTextColumns(db, 'webhook_log', ['triggered']);
  const setJobTriggered = db.prepare<[string, string]>(
    'UPDATE jobs SET triggered = ? WHERE id = ?',
  );
  // Duplicates name the job too; and accepted lines written before decision 035 are rows here.
  const setLineTriggered = db.prepare<[string, string]>(
    'UPDATE webhook_log SET triggered = ? WHERE job_id = ?',
  );
  // Positional parameters: better-sqlite3 binds them faster than named ones.
  const insertRow = db.prepare<
    [number, string, string | null, string, string | null, string | null, number, string | null]
  >(
    `INSERT INTO webhook_log (at, source, delivery_id, outcome, reason, event_type, body_bytes, job_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insert = (e: Omit<WebhookLogEntry, 'id' | 'triggered'>) =>
    insertRow.run(
      e.at,
      e.source,
      e.deliveryId,
      e.outcome,
      e.reason,
      e.eventType,
      e.bodyBytes,
      e.jobId,
    );
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
  // Newest jobs first by walking the table backwards (NOT INDEXED: jobs_claim's type prefix
  // would otherwise be chosen and the rows sorted). No index of its own, so accepted deliveries
  // cost no index write; a listing reads back through the jobs of other types queued since.
  const jobLines = db.prepare<[string, number], JobLineRow>(
    `SELECT rowid, id, origin, triggered FROM jobs NOT INDEXED
     WHERE type = ? AND origin IS NOT NULL ORDER BY rowid DESC LIMIT ?`,
  );
  const jobLinesBySource = db.prepare<[string, string, number], JobLineRow>(
    `SELECT rowid, id, origin, triggered FROM jobs NOT INDEXED
     WHERE type = ? AND origin IS NOT NULL AND json_extract(origin, '$.source') = ?
     ORDER BY rowid DESC LIMIT ?`,
  );
  const toEntry = (r: Row): WebhookLogEntry =>
    WebhookLogEntrySchema.parse({
      id: ownLineId(r.id),
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
  const jobEntry = (r: JobLineRow): WebhookLogEntry => {
    const line = OriginSchema.parse(JSON.parse(r.origin));
    return WebhookLogEntrySchema.parse({
      id: jobLineId(r.rowid),
      ...line,
      outcome: 'accepted',
      reason: null,
      jobId: r.id,
      triggered: r.triggered,
    });
  };
  const reads: Sync<Pick<WebhookLog, 'list'>> = {
    list({ source, limit }) {
      const own = (source === undefined ? all.all(limit) : bySource.all(source, limit)).map(
        toEntry,
      );
      const onJobs = (
        source === undefined
          ? jobLines.all(webhookJobType, limit)
          : jobLinesBySource.all(webhookJobType, source, limit)
      ).map(jobEntry);
      // Each list is newest first in its own write order; merged by time, the earlier-written
      // first where times tie, so a clock that stepped back keeps each list's order.
      const out: WebhookLogEntry[] = [];
      let i = 0;
      let j = 0;
      while (out.length < limit && (i < own.length || j < onJobs.length)) {
        const a = own[i];
        const b = onJobs[j];
        if (b === undefined || (a !== undefined && a.at >= b.at)) {
          out.push(a as WebhookLogEntry);
          i += 1;
        } else {
          out.push(b);
          j += 1;
        }
      }
      return out;
    },
  };
  // Shares the queue's group commit: a line of its own costs no fsync of its own.
  const write = groupCommit(db);
  return {
    ...asyncPort(reads),
    append: (entry) =>
      write(() => {
        insert(entry);
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
        setJobTriggered.run(triggered, jobId);
        setLineTriggered.run(triggered, jobId);
      }),
    async appendEnqueued(delivery, enqueue) {
      // Keys in a fixed order: the text is built per delivery, read back only by `list`.
      const origin = JSON.stringify({
        at: delivery.at,
        source: delivery.source,
        deliveryId: delivery.deliveryId,
        eventType: delivery.eventType,
        bodyBytes: delivery.bodyBytes,
      });
      const job = await enqueue(origin);
      // Accepted: the job row is the line (one row, one commit). A duplicate is not the hot path:
      // its line is a row of its own, one commit later, before it is acknowledged.
      if (!job.created)
        await write(() => {
          insert({
            ...delivery,
            outcome: 'duplicate',
            reason: null,
            jobId: job.id,
          });
        });
      return job;
    },
  };
}
