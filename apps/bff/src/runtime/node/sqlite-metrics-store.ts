// The embedded MetricsStore: per-second buckets and their minute and hour roll-ups in SQLite.
import type { MetricsBucket, MetricsSecond } from '@switchboard/shared/metrics';
import {
  bucketJson,
  createAccumulator,
  mergeBucket,
  type BucketAccumulator,
} from '../../metrics/bucket';
import {
  defaultRetention,
  tiers,
  type MetricsRetention,
  type MetricsStore,
  type StoredBucket,
  type Tier,
} from '../../metrics/metrics-store';
import type { SqliteDatabase } from './sqlite';

const schema = `
CREATE TABLE IF NOT EXISTS metrics_buckets (
  tier TEXT NOT NULL,
  integration TEXT NOT NULL,
  operation TEXT NOT NULL,
  at INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (tier, integration, operation, at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS metrics_buckets_age ON metrics_buckets (tier, at);
`;

interface Row {
  integration: string;
  operation: string;
  at: number;
  data: string;
}

/** Rows are only written by this store, so their JSON is a MetricsBucket. */
const parse = (data: string) => JSON.parse(data) as MetricsBucket;

/**
 * @example const store = createSqliteMetricsStore(openDatabase('.data'), { retention: defaultRetention });
 */
export function createSqliteMetricsStore(
  db: SqliteDatabase,
  options: { retention?: MetricsRetention } = {},
): MetricsStore {
  db.exec(schema);
  const retention = options.retention ?? defaultRetention;
  const q = {
    upsert: db.prepare<[string, string, string, number, string]>(
      'INSERT OR REPLACE INTO metrics_buckets (tier, integration, operation, at, data) VALUES (?, ?, ?, ?, ?)',
    ),
    one: db.prepare<[string, string, string, number], { data: string }>(
      'SELECT data FROM metrics_buckets WHERE tier = ? AND integration = ? AND operation = ? AND at = ?',
    ),
    prune: db.prepare<[string, number]>('DELETE FROM metrics_buckets WHERE tier = ? AND at < ?'),
  };
  /** The open minute and hour of each series, so a roll-up is not read back every second. */
  const open = new Map<string, { at: number; acc: BucketAccumulator }>();

  const rollUp = (
    tier: Tier,
    integration: string,
    operation: string,
    second: MetricsSecond,
    bucket: MetricsBucket,
  ) => {
    const at = Math.floor(second.at / tiers[tier]) * tiers[tier];
    const key = `${tier}\u0000${integration}\u0000${operation}`;
    let entry = open.get(key);
    if (entry?.at !== at) {
      // After a restart the minute or hour may already hold seconds: carry on from them.
      const acc = createAccumulator();
      const stored = q.one.get(tier, integration, operation, at);
      if (stored) mergeBucket(acc, parse(stored.data));
      open.set(key, (entry = { at, acc }));
    }
    mergeBucket(entry.acc, bucket);
    q.upsert.run(tier, integration, operation, at, bucketJson(entry.acc));
  };

  const write = db.transaction((second: MetricsSecond) => {
    for (const { integration, operation, ...bucket } of second.series) {
      const op = operation ?? '';
      q.upsert.run('second', integration, op, second.at, JSON.stringify(bucket));
      rollUp('minute', integration, op, second, bucket);
      rollUp('hour', integration, op, second, bucket);
    }
  });

  const read = (query: Parameters<MetricsStore['read']>[0]): StoredBucket[] => {
    const where = ['tier = @tier', 'at >= @from', 'at < @to'];
    if (query.integration !== undefined) where.push('integration = @integration');
    if (query.operation === undefined) where.push("operation = ''");
    else if (query.operation !== '*') where.push("operation IN ('', @operation)");
    const sql = `SELECT integration, operation, at, data FROM metrics_buckets WHERE ${where.join(' AND ')} ORDER BY at`;
    return db
      .prepare<[Record<string, unknown>], Row>(sql)
      .all({ ...query })
      .map((r) => ({
        at: r.at,
        integration: r.integration,
        operation: r.operation === '' ? null : r.operation,
        bucket: parse(r.data),
      }));
  };

  // better-sqlite3 is synchronous; the port is asynchronous so a networked store can implement it.
  return {
    write: (second) => new Promise((resolve) => resolve(write(second))),
    read: (query) => new Promise((resolve) => resolve(read(query))),
    prune: (now) =>
      new Promise((resolve) =>
        resolve(
          db.transaction(() =>
            (Object.keys(tiers) as Tier[]).reduce(
              (n, tier) => n + q.prune.run(tier, now - retention[tier]).changes,
              0,
            ),
          )(),
        ),
      ),
  };
}
