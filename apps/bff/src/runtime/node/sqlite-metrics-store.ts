// The embedded MetricsStore: per-second buckets and their minute and hour roll-ups in SQLite.
import type { MetricsBucket, MetricsSecond } from '@switchboard/shared/metrics';
import {
  bucketJson,
  createAccumulator,
  finishBucket,
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

type RollUpTier = Exclude<Tier, 'second'>;

interface OpenRollUp {
  tier: RollUpTier;
  integration: string;
  operation: string;
  at: number;
  acc: BucketAccumulator;
}

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
    range: db.prepare<[string, string, string, number, number], { at: number; data: string }>(
      'SELECT at, data FROM metrics_buckets WHERE tier = ? AND integration = ? AND operation = ? AND at >= ? AND at < ? ORDER BY at',
    ),
    lastSecond: db.prepare<[string, string, number], { at: number }>(
      "SELECT at FROM metrics_buckets WHERE tier = 'second' AND integration = ? AND operation = ? AND at < ? ORDER BY at DESC LIMIT 1",
    ),
    prune: db.prepare<[string, number]>('DELETE FROM metrics_buckets WHERE tier = ? AND at < ?'),
  };
  /**
   * The open minute and hour of each series. A roll-up row is written once, when its minute or
   * hour closes (decision 029), not merged and rewritten with every second: reads of the open
   * period merge these in, and after a restart (clean or not) they are rebuilt from the stored
   * seconds, which are kept at least as long as an hour, so a stop loses no more than before.
   */
  const open = new Map<string, OpenRollUp>();
  /** Per tier: the start of the period the last written second fell in. */
  const current: Record<RollUpTier, number> = { minute: -Infinity, hour: -Infinity };
  /**
   * A tier whose period is longer than the seconds are kept cannot be rebuilt from them, so it
   * keeps being written with every second (only with a non-default retention).
   */
  const eager: Record<RollUpTier, boolean> = {
    minute: retention.second < tiers.minute,
    hour: retention.second < tiers.hour,
  };

  const writeRollUp = (e: OpenRollUp) =>
    q.upsert.run(e.tier, e.integration, e.operation, e.at, bucketJson(e.acc));

  /** The period's figures so far, from what is stored: its closed minutes (or their seconds) and its seconds. */
  const restore = (
    tier: RollUpTier,
    integration: string,
    operation: string,
    at: number,
    upTo: number,
  ) => {
    const acc = createAccumulator();
    if (eager[tier]) {
      const stored = q.one.get(tier, integration, operation, at);
      if (stored) mergeBucket(acc, parse(stored.data));
      return acc;
    }
    // A closed minute is normally stored; one whose close was never written (a stop right after
    // it ended) is rebuilt from its seconds. Merged in time order.
    const minutes = tier === 'hour' ? q.range.all('minute', integration, operation, at, upTo) : [];
    const covered = new Set(minutes.map((m) => m.at));
    const parts = [
      ...minutes,
      ...q.range
        .all('second', integration, operation, at, upTo)
        .filter((s) => !covered.has(Math.floor(s.at / tiers.minute) * tiers.minute)),
    ].sort((a, b) => a.at - b.at);
    for (const part of parts) mergeBucket(acc, parse(part.data));
    return acc;
  };

  /**
   * After a stop the period that was open then (the one holding the series' last stored second
   * before `at`) may have no row: it is rebuilt from what is stored and written.
   */
  const repair = (tier: RollUpTier, integration: string, operation: string, at: number) => {
    if (eager[tier]) return;
    const last = q.lastSecond.get(integration, operation, at);
    if (!last) return;
    const period = Math.floor(last.at / tiers[tier]) * tiers[tier];
    if (period === at || q.one.get(tier, integration, operation, period)) return;
    const acc = restore(tier, integration, operation, period, period + tiers[tier]);
    writeRollUp({ tier, integration, operation, at: period, acc });
  };

  const rollUp = (
    tier: RollUpTier,
    integration: string,
    operation: string,
    second: MetricsSecond,
    bucket: MetricsBucket,
  ) => {
    const at = Math.floor(second.at / tiers[tier]) * tiers[tier];
    const key = `${tier}\u0000${integration}\u0000${operation}`;
    let entry = open.get(key);
    if (entry?.at !== at) {
      if (entry) writeRollUp(entry);
      else repair(tier, integration, operation, at);
      const acc = restore(tier, integration, operation, at, second.at);
      open.set(key, (entry = { tier, integration, operation, at, acc }));
    }
    mergeBucket(entry.acc, bucket);
    if (eager[tier]) writeRollUp(entry);
  };

  /** Writes and forgets the roll-ups of periods before `second` (series that had no traffic since). */
  const closeBefore = (tier: RollUpTier, at: number) => {
    const start = Math.floor(at / tiers[tier]) * tiers[tier];
    if (start <= current[tier]) return;
    current[tier] = start;
    for (const [key, e] of open)
      if (e.tier === tier && e.at < start) {
        if (!eager[tier]) writeRollUp(e);
        open.delete(key);
      }
  };

  const write = db.transaction((second: MetricsSecond) => {
    closeBefore('minute', second.at);
    closeBefore('hour', second.at);
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
    const rows = db
      .prepare<[Record<string, unknown>], Row>(sql)
      .all({ ...query })
      .map((r) => ({
        at: r.at,
        integration: r.integration,
        operation: r.operation === '' ? null : r.operation,
        bucket: parse(r.data),
      }));
    if (query.tier === 'second') return rows;
    // The open periods are not written yet (or, when eager, written identically): theirs win.
    const live = [...open.values()].filter(
      (e) =>
        e.tier === query.tier &&
        e.at >= query.from &&
        e.at < query.to &&
        (query.integration === undefined || e.integration === query.integration) &&
        (query.operation === undefined
          ? e.operation === ''
          : query.operation === '*' || e.operation === '' || e.operation === query.operation),
    );
    if (live.length === 0) return rows;
    const seriesAt = (integration: string, operation: string | null, at: number) =>
      `${integration}\u0000${operation ?? ''}\u0000${at}`;
    const replaced = new Set(live.map((e) => seriesAt(e.integration, e.operation, e.at)));
    return [
      ...rows.filter((r) => !replaced.has(seriesAt(r.integration, r.operation, r.at))),
      ...live.map((e) => ({
        at: e.at,
        integration: e.integration,
        operation: e.operation === '' ? null : e.operation,
        bucket: finishBucket(e.acc),
      })),
    ].sort((a, b) => a.at - b.at);
  };

  // better-sqlite3 is synchronous; the port is asynchronous so a networked store can implement it.
  return {
    write: (second) => new Promise((resolve) => resolve(write(second))),
    read: (query) => new Promise((resolve) => resolve(read(query))),
    prune: (now) =>
      new Promise((resolve) =>
        resolve(
          db.transaction(() =>
            (Object.keys(tiers) as Tier[]).reduce((n, tier) => {
              // An open period older than its tier's retention would be written back later.
              for (const [key, e] of open)
                if (e.tier === tier && e.at < now - retention[tier]) open.delete(key);
              return n + q.prune.run(tier, now - retention[tier]).changes;
            }, 0),
          )(),
        ),
      ),
  };
}
