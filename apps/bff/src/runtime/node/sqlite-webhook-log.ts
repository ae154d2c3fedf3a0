// The embedded WebhookLog, in queue.db next to the jobs the deliveries started.
import { WebhookLogEntrySchema, type WebhookLogEntry } from '@switchboard/shared/queue';
import type { WebhookLog } from '../../webhooks/webhook-log';
import type { SqliteDatabase } from './sqlite';
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
}

/** @example const log = createSqliteWebhookLog(openQueueDatabase('.data')); */
export function createSqliteWebhookLog(db: SqliteDatabase): WebhookLog {
  db.exec(schema);
  const insert = db.prepare(
    `INSERT INTO webhook_log (at, source, delivery_id, outcome, reason, event_type, body_bytes, job_id)
     VALUES (@at, @source, @deliveryId, @outcome, @reason, @eventType, @bodyBytes, @jobId)`,
  );
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
    });
  const log: Sync<WebhookLog> = {
    append(entry) {
      insert.run(entry);
    },
    list: ({ source, limit }) =>
      (source === undefined ? all.all(limit) : bySource.all(source, limit)).map(toEntry),
  };
  return asyncPort(log);
}
