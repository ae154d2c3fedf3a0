// The embedded queue's storage: jobs, leases and dead letters in their own SQLite file (queue.db).
import type {
  DeadLetterIssue,
  DeadLetterSelection,
  Job,
  JobAttempt,
  JobErrorKind,
  JobStatus,
} from '@switchboard/shared/queue';
import { JobErrorKindSchema, JobStatusSchema } from '@switchboard/shared/queue';
import type { ClaimedJob, JobStore, NewJob } from '../../queue/job-store';
import { JsonText } from '../../queue/queue';
import { createJobKeyIndex } from './job-key-index';
import { addMissingTextColumns, openDatabase, type SqliteDatabase } from './sqlite';
import { groupCommit, syncWalOffLoop } from './sqlite-group-commit';
import { startWalCheckpointer } from './sqlite-wal-checkpointer';
import { asyncPort, type Sync } from './sync-port';

/**
 * Opens `queue.db` in the data directory. WAL like the main database, and every write durable
 * before it is acknowledged: an enqueue is acknowledged to callers (a webhook's 2xx, a flow's 202)
 * as durable, so a commit must survive a power loss, not only a process crash. The store's group
 * commit shares one commit among every write of an event-loop turn (decision 014) and fsyncs the
 * WAL on the thread pool before acknowledging the batch (decision 027): `synchronous = NORMAL`
 * only stops SQLite from doing that fsync itself, on the event loop, inside COMMIT.
 * @example const db = openQueueDatabase('.data'); const store = createSqliteJobStore(db);
 */
export function openQueueDatabase(dataDir: string): SqliteDatabase {
  const db = openDatabase(dataDir, 'queue.db');
  if (dataDir === ':memory:') return db;
  db.pragma('synchronous = NORMAL');
  syncWalOffLoop(db, `${db.name}-wal`);
  // Checkpoints on a worker thread; the writer's own (8,000 pages, ≈ 32 MB) only bounds the WAL.
  // Every 250 ms, not 50: each checkpoint fsyncs the WAL and the database and copies the latest
  // frame of every page committed since the last one, so a longer interval copies the pages that
  // every group commit rewrites (the tables' and indexes' last leaves) once instead of five times
  // and syncs a fifth as often: the worker's CPU per webhook delivery fell in every alternated pair
  // (bench/RESULTS.md, ingest11). What the bound leaves on the loop is then up to 250 ms of frames.
  startWalCheckpointer(db, { intervalMs: 250, boundPages: 8000 });
  return db;
}

const schema = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  idempotency_key TEXT,
  status TEXT NOT NULL,
  priority INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  round INTEGER NOT NULL DEFAULT 1,
  revision INTEGER NOT NULL DEFAULT 0,
  backoff_base_ms INTEGER NOT NULL,
  backoff_max_ms INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  lease_until INTEGER,
  lease_token TEXT,
  integration TEXT,
  operation TEXT,
  last_error_kind TEXT,
  last_error_message TEXT,
  history TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  dead_at INTEGER,
  discard_reason TEXT,
  origin TEXT,
  triggered TEXT
);
-- Idempotency keys are deduplicated by the store's in-memory key index, rebuilt from the rows at
-- open (decision 035): a unique index on sender-chosen random keys wrote a random page per job.
-- Dropped where it exists.
DROP INDEX IF EXISTS jobs_idempotency;
-- Dead letters newest first, partial: queued, running and settled jobs (nearly every row) have no
-- entry, so an enqueue, a claim and a settle write one index entry fewer (bench/RESULTS.md,
-- ingest10). It replaces jobs_dead (status, dead_at), which held an entry for every job; dropped
-- where it exists. The dead-letter queries name status = 'dead' literally, as a partial index needs.
DROP INDEX IF EXISTS jobs_dead;
CREATE INDEX IF NOT EXISTS jobs_dead_at ON jobs (dead_at) WHERE status = 'dead';
-- Claims walk this in claim order and stop at their limit. Its (type, status) prefix also serves
-- the due-time and expired-lease lookups.
CREATE INDEX IF NOT EXISTS jobs_claim ON jobs (type, status, priority DESC, run_at, created_at);
-- jobs_due (type, status, run_at) was made redundant by jobs_claim's prefix: one index fewer to
-- write on every enqueue, claim and settle (bench/RESULTS.md, ingest7). Dropped where it exists.
DROP INDEX IF EXISTS jobs_due;
-- Retention finds settled jobs oldest first (partial: no entry while a job is queued or running).
CREATE INDEX IF NOT EXISTS jobs_settled ON jobs (updated_at)
  WHERE status IN ('succeeded', 'discarded');
`;

interface JobRow {
  id: string;
  type: string;
  payload: string;
  idempotency_key: string | null;
  status: string;
  priority: number;
  attempts: number;
  max_attempts: number;
  round: number;
  revision: number;
  backoff_base_ms: number;
  backoff_max_ms: number;
  run_at: number;
  lease_until: number | null;
  lease_token: string | null;
  integration: string | null;
  operation: string | null;
  last_error_kind: string | null;
  last_error_message: string | null;
  history: string;
  created_at: number;
  updated_at: number;
  dead_at: number | null;
  discard_reason: string | null;
}

// Rows are only written through this store: an unknown value means a corrupted database, and the
// schema's parse then says so. Values seen valid once are remembered, which keeps zod off the
// claim path.
const validStatuses = new Set<string>();
const validKinds = new Set<string>();
const statusOf = (s: string): JobStatus => {
  if (validStatuses.has(s)) return s as JobStatus;
  const status = JobStatusSchema.parse(s);
  validStatuses.add(status);
  return status;
};
const errorKindOf = (s: string | null): JobErrorKind | null => {
  if (s === null || validKinds.has(s)) return s as JobErrorKind | null;
  const kind = JobErrorKindSchema.parse(s);
  validKinds.add(kind);
  return kind;
};

/** A first attempt's history is empty: no JSON to parse. */
const historyOf = (history: string): JobAttempt[] =>
  history === '[]' ? [] : (JSON.parse(history) as JobAttempt[]);

const toJob = (r: JobRow): Job => ({
  id: r.id,
  type: r.type,
  payload: JSON.parse(r.payload) as unknown,
  idempotencyKey: r.idempotency_key,
  status: statusOf(r.status),
  priority: r.priority,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  round: r.round,
  revision: r.revision,
  runAt: r.run_at,
  leaseUntil: r.lease_until,
  integration: r.integration,
  operation: r.operation,
  lastErrorKind: errorKindOf(r.last_error_kind),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deadAt: r.dead_at,
  discardReason: r.discard_reason,
  history: historyOf(r.history),
});

/**
 * Appends the attempt bound to `?` (JSON.stringify of one attempt) to the history as text. Every
 * history is written by this store as compact JSON (the column's '[]', JSON.stringify, this),
 * so splicing before the closing bracket keeps it valid JSON, at the cost of the plain write:
 * `json_insert` parsed and re-serialised the history on every settle (~3 µs, bench/RESULTS.md,
 * queue9).
 */
const appendAttempt = `CASE history WHEN '[]' THEN '[' ELSE substr(history, 1, length(history) - 1) || ',' END || ? || ']'`;

/**
 * What a claim returns of each row it leased, in this order (`LeasedRow`): not what the claim
 * knows already (type, status, lease end, update time), nor `dead_at` and `discard_reason`, which
 * are NULL on every queued row (a settle back to queued and a replay clear `dead_at`; a discarded
 * job is never queued again). Each column returned costs ~1 µs a job (bench/RESULTS.md, queue9).
 */
const leasedColumns = `id, payload, idempotency_key, priority, attempts, max_attempts, round,
  revision, backoff_base_ms, backoff_max_ms, run_at, integration, operation, last_error_kind,
  history, created_at, lease_token`;
type LeasedRow = [
  id: string,
  payload: string,
  idempotencyKey: string | null,
  priority: number,
  attempts: number,
  maxAttempts: number,
  round: number,
  revision: number,
  backoffBaseMs: number,
  backoffMaxMs: number,
  runAt: number,
  integration: string | null,
  operation: string | null,
  lastErrorKind: string | null,
  history: string,
  createdAt: number,
  leaseToken: string,
];

const leasedJob = (r: LeasedRow, type: string, now: number, leaseUntil: number): ClaimedJob => ({
  job: {
    id: r[0],
    type,
    payload: JSON.parse(r[1]) as unknown,
    idempotencyKey: r[2],
    status: 'running',
    priority: r[3],
    attempts: r[4],
    maxAttempts: r[5],
    round: r[6],
    revision: r[7],
    runAt: r[10],
    leaseUntil,
    integration: r[11],
    operation: r[12],
    lastErrorKind: errorKindOf(r[13]),
    createdAt: r[15],
    updatedAt: now,
    deadAt: null,
    discardReason: null,
    history: historyOf(r[14]),
  },
  leaseToken: r[16],
  backoff: { baseMs: r[8], maxMs: r[9] },
});

/** Claim order of leased rows: highest priority, then earliest due, then oldest. */
const leasedOrder = (a: LeasedRow, b: LeasedRow) => b[3] - a[3] || a[10] - b[10] || a[15] - b[15];

/** Claim order: highest priority, then earliest due, then oldest. */
const claimOrder = (a: JobRow, b: JobRow) =>
  b.priority - a.priority || a.run_at - b.run_at || a.created_at - b.created_at;

const newToken = () => crypto.randomUUID();

/**
 * Every write goes through the connection's group commit (sqlite-group-commit.ts): the enqueues,
 * claims and settles of one event-loop turn share a transaction and its fsync, and each resolves
 * only once that transaction is committed. Reads run at once.
 * @example const store = createSqliteJobStore(openQueueDatabase('.data'));
 */
export function createSqliteJobStore(db: SqliteDatabase): JobStore {
  db.exec(schema);
  // Added after the first release (decision 035).
  addMissingTextColumns(db, 'jobs', ['origin', 'triggered']);
  const write = groupCommit(db);
  // Positional parameters: better-sqlite3 binds them faster than named ones on the hot path.
  const q = {
    insert: db.prepare<
      [
        string,
        string,
        string,
        string | null,
        number,
        number,
        number,
        number,
        number,
        string | null,
        string | null,
        number,
        number,
        string | null,
      ]
    >(
      `INSERT INTO jobs (id, type, payload, idempotency_key, status, priority, max_attempts,
         backoff_base_ms, backoff_max_ms, run_at, integration, operation, created_at, updated_at,
         origin)
       VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Returns the keys of the deleted rows, which leave the key index with them.
    pruneSettled: db.prepare<
      [number, number],
      { rowid: number; type: string; idempotency_key: string | null }
    >(
      `DELETE FROM jobs WHERE rowid IN (SELECT rowid FROM jobs INDEXED BY jobs_settled
         WHERE status IN ('succeeded', 'discarded') AND updated_at < ? LIMIT ?)
       RETURNING rowid, type, idempotency_key`,
    ),
    keyedRow: db.prepare<[number], { type: string; key: string | null; id: string }>(
      'SELECT type, idempotency_key AS key, id FROM jobs WHERE rowid = ?',
    ),
    keyedRows: db.prepare<[], { rowid: number; type: string; key: string }>(
      'SELECT rowid, type, idempotency_key AS key FROM jobs WHERE idempotency_key IS NOT NULL',
    ),
    byId: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    // Two queries rather than one with OR: each walks its index in claim order and stops at the
    // limit, instead of sorting every due row of the type.
    dueQueued: db.prepare<[string, number, number], JobRow>(
      `SELECT * FROM jobs INDEXED BY jobs_claim
       WHERE type = ? AND status = 'queued' AND run_at <= ?
       ORDER BY priority DESC, run_at, created_at LIMIT ?`,
    ),
    expired: db.prepare<[string, number, number], JobRow>(
      `SELECT * FROM jobs WHERE type = ? AND status = 'running' AND lease_until <= ?
       ORDER BY priority DESC, run_at, created_at LIMIT ?`,
    ),
    lease: db.prepare<[number, number, string, number, string]>(
      `UPDATE jobs SET status = 'running', attempts = ?, lease_until = ?, lease_token = ?,
         updated_at = ? WHERE id = ?`,
    ),
    leaseExpired: db.prepare<[number, number, string, string, number, string]>(
      `UPDATE jobs SET status = 'running', attempts = ?, lease_until = ?, lease_token = ?,
         history = ?, updated_at = ? WHERE id = ?`,
    ),
    // Whether any lease of the type has expired: the claim then takes the general path below.
    anyExpired: db
      .prepare<[string, number], number>(
        `SELECT 1 FROM jobs INDEXED BY jobs_claim
         WHERE type = ? AND status = 'running' AND lease_until <= ? LIMIT 1`,
      )
      .pluck(),
    // The common claim (no lease expired) in one statement: picks the due rows in claim order and
    // leases them, returning what a claimed job needs. Raw arrays: better-sqlite3 builds a row
    // object per row at ~1 µs a column, three times the cost of an array (bench/RESULTS.md, queue9).
    // The lease token comes from SQLite's randomness (ChaCha20 seeded by the OS): a token only has
    // to differ from every other claim's, like the UUID the general path makes.
    leaseDue: db
      .prepare<[number, number, string, number, number], unknown[]>(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?,
           lease_token = hex(randomblob(16)), updated_at = ?
         WHERE rowid IN (SELECT rowid FROM jobs INDEXED BY jobs_claim
           WHERE type = ? AND status = 'queued' AND run_at <= ?
           ORDER BY priority DESC, run_at, created_at LIMIT ?)
         RETURNING ${leasedColumns}`,
      )
      .raw(true),
    extend: db.prepare<[number, string, string]>(
      `UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_token = ? AND status = 'running'`,
    ),
    // Appends the attempt to the history in SQL: no read-modify-write of the JSON in JavaScript.
    settle: db.prepare<
      [
        string,
        number | null,
        string,
        string | null,
        string | null,
        number | null,
        number,
        string,
        string | null,
      ]
    >(
      `UPDATE jobs SET status = ?, run_at = coalesce(?, run_at), lease_until = NULL,
         lease_token = NULL, history = ${appendAttempt},
         last_error_kind = coalesce(?, last_error_kind),
         last_error_message = coalesce(?, last_error_message), dead_at = ?, updated_at = ?
       WHERE id = ? AND lease_token = ? AND status = 'running'`,
    ),
    // A success (most settles): only what it changes, four parameters instead of nine.
    settleOk: db.prepare<[string, number, string, string]>(
      `UPDATE jobs SET status = 'succeeded', lease_until = NULL, lease_token = NULL,
         history = ${appendAttempt}, dead_at = NULL, updated_at = ?
       WHERE id = ? AND lease_token = ? AND status = 'running'`,
    ),
    nextDue: db.prepare<[string], { at: number | null }>(
      `SELECT min(CASE status WHEN 'queued' THEN run_at ELSE lease_until END) AS at
       FROM jobs WHERE type = ? AND status IN ('queued', 'running')`,
    ),
    byIntegration: db.prepare<[], { integration: string; depth: number; dead: number }>(
      `SELECT integration, sum(status IN ('queued', 'running')) AS depth,
         sum(status = 'dead') AS dead
       FROM jobs WHERE integration IS NOT NULL AND status IN ('queued', 'running', 'dead')
       GROUP BY integration`,
    ),
    counts: db.prepare<[], { type: string; status: string; n: number }>(
      'SELECT type, status, count(*) AS n FROM jobs GROUP BY type, status',
    ),
    issues: db.prepare<
      [],
      {
        integration: string;
        operation: string;
        kind: string;
        n: number;
        first: number;
        last: number;
        message: string | null;
      }
    >(
      `SELECT coalesce(integration, type) AS integration, coalesce(operation, '-') AS operation,
         coalesce(last_error_kind, 'handler') AS kind, count(*) AS n,
         min(dead_at) AS first, max(dead_at) AS last,
         (SELECT j2.last_error_message FROM jobs j2
           WHERE j2.status = 'dead' AND coalesce(j2.integration, j2.type) = coalesce(jobs.integration, jobs.type)
             AND coalesce(j2.operation, '-') = coalesce(jobs.operation, '-')
             AND coalesce(j2.last_error_kind, 'handler') = coalesce(jobs.last_error_kind, 'handler')
           ORDER BY j2.dead_at DESC LIMIT 1) AS message
       FROM jobs WHERE status = 'dead' GROUP BY 1, 2, 3 ORDER BY last DESC`,
    ),
    dead: db.prepare<[number], JobRow>(
      `SELECT * FROM jobs WHERE status = 'dead' ORDER BY dead_at DESC LIMIT ?`,
    ),
    deadInIssue: db.prepare<{ integration: string; operation: string; kind: string }, JobRow>(
      `SELECT * FROM jobs WHERE status = 'dead' AND coalesce(integration, type) = @integration
         AND coalesce(operation, '-') = @operation AND coalesce(last_error_kind, 'handler') = @kind
       ORDER BY dead_at DESC`,
    ),
    requeue: db.prepare<[number, number, string]>(
      `UPDATE jobs SET status = 'queued', attempts = 0, round = round + 1, run_at = ?, dead_at = NULL,
         updated_at = ? WHERE id = ? AND status = 'dead'`,
    ),
    setPayload: db.prepare<[string, number, string]>(
      `UPDATE jobs SET payload = ?, revision = revision + 1, updated_at = ? WHERE id = ? AND status = 'dead'`,
    ),
    discard: db.prepare<[string, number, string]>(
      `UPDATE jobs SET status = 'discarded', discard_reason = ?, updated_at = ? WHERE id = ? AND status = 'dead'`,
    ),
  };

  const get = (id: string) => {
    const row = q.byId.get(id);
    return row && toJob(row);
  };
  const issueParts = (issue: string) => {
    const [integration = '', operation = '', kind = ''] = issue.split('/');
    return { integration, operation, kind };
  };

  const settleRow = (
    id: string,
    token: string,
    status: JobStatus,
    runAt: number | null,
    attempt: JobAttempt,
    deadAt: number | null,
  ) =>
    q.settle.run(
      status,
      runAt,
      JSON.stringify(attempt),
      attempt.errorKind ?? null,
      attempt.message ?? null,
      deadAt,
      attempt.endedAt,
      id,
      token,
    ).changes > 0;

  // Several statements: a savepoint inside the group transaction, so a failure undoes only this claim.
  const claimAny = db.transaction((type: string, now: number, leaseMs: number, limit: number) => {
    const claimed: ClaimedJob[] = [];
    const dead: Job[] = [];
    const expired = q.expired.all(type, now, limit);
    const queued = q.dueQueued.all(type, now, limit);
    const rows = expired.length === 0 ? queued : [...expired, ...queued].sort(claimOrder);
    const leaseUntil = now + leaseMs;
    for (let i = 0; i < rows.length && i < limit; i += 1) {
      const row = rows[i] as JobRow;
      const attempts = row.attempts + 1;
      const token = newToken();
      if (row.status === 'running') {
        // The worker holding it went away: that attempt failed, whatever it did.
        const history = JSON.parse(row.history) as JobAttempt[];
        const startedAt = row.lease_until ?? now;
        const lost: JobAttempt = {
          attempt: row.attempts,
          round: row.round,
          startedAt,
          endedAt: now,
          durationMs: Math.max(0, now - startedAt),
          outcome: 'error',
          errorKind: 'lease_expired',
          message: 'the worker holding the lease stopped before settling the job',
          ...(row.integration !== null && { provider: row.integration }),
        };
        if (row.attempts >= row.max_attempts) {
          settleRow(row.id, row.lease_token ?? '', 'dead', null, lost, now);
          const job = get(row.id);
          if (job) dead.push(job);
          continue;
        }
        history.push(lost);
        q.leaseExpired.run(attempts, leaseUntil, token, JSON.stringify(history), now, row.id);
        row.history = JSON.stringify(history);
      } else {
        q.lease.run(attempts, leaseUntil, token, now, row.id);
      }
      // The row as the update left it, without reading it again.
      row.status = 'running';
      row.attempts = attempts;
      row.lease_until = leaseUntil;
      row.lease_token = token;
      row.updated_at = now;
      claimed.push({
        job: toJob(row),
        leaseToken: token,
        backoff: { baseMs: row.backoff_base_ms, maxMs: row.backoff_max_ms },
      });
    }
    return { claimed, dead };
  });

  /**
   * Claims due queued jobs, or takes the general path (`claimAny`) when a lease has expired: a
   * single statement, so it needs no savepoint of its own (a failed statement undoes itself).
   */
  const claim = (type: string, now: number, leaseMs: number, limit: number) => {
    if (q.anyExpired.get(type, now) !== undefined) return claimAny(type, now, leaseMs, limit);
    const leaseUntil = now + leaseMs;
    const rows = q.leaseDue.all(leaseUntil, now, type, now, limit) as LeasedRow[];
    // RETURNING gives no order: claim order, as the general path.
    if (rows.length > 1) rows.sort(leasedOrder);
    const claimed: ClaimedJob[] = [];
    for (const row of rows) claimed.push(leasedJob(row, type, now, leaseUntil));
    return { claimed, dead: [] as Job[] };
  };

  const selectDead = (selection: DeadLetterSelection): Job[] => {
    if ('ids' in selection)
      return selection.ids.map(get).filter((j): j is Job => j !== undefined && j.status === 'dead');
    return q.deadInIssue.all(issueParts(selection.issue)).map(toJob);
  };

  // Built from the rows once, then kept in step by every insert and prune (job-key-index.ts).
  const keys = createJobKeyIndex((rowid) => q.keyedRow.get(rowid));
  for (const row of q.keyedRows.iterate()) keys.add(row.type, row.key, row.rowid);

  const insertOne = (job: NewJob): { id: string; created: boolean } => {
    const key = job.idempotencyKey;
    if (key !== null) {
      const existing = keys.find(job.type, key);
      if (existing !== undefined) return { id: existing, created: false };
    }
    const { lastInsertRowid } = q.insert.run(
      job.id,
      job.type,
      job.payload instanceof JsonText ? job.payload.text : JSON.stringify(job.payload),
      job.idempotencyKey,
      job.priority,
      job.maxAttempts,
      job.backoff.baseMs,
      job.backoff.maxMs,
      job.runAt,
      job.integration,
      job.operation,
      job.createdAt,
      job.createdAt,
      job.origin ?? null,
    );
    // Added after the insert succeeded: a failed statement leaves the index as it was. One whose
    // transaction later rolls back leaves an entry for a row that is not there (or is another
    // key's): `find` reads the row and compares, so that entry never matches.
    if (key !== null) keys.add(job.type, key, Number(lastInsertRowid));
    return { id: job.id, created: true };
  };

  const insertAll = db.transaction((jobs: NewJob[]) => jobs.map(insertOne));

  const reads: Sync<
    Pick<
      JobStore,
      | 'get'
      | 'nextDueAt'
      | 'counts'
      | 'depthByIntegration'
      | 'deadIssues'
      | 'listDead'
      | 'selectDead'
    >
  > = {
    get,
    nextDueAt: (type) => q.nextDue.get(type)?.at ?? undefined,
    counts() {
      const out: Record<string, Partial<Record<JobStatus, number>>> = {};
      for (const { type, status, n } of q.counts.all()) {
        const byStatus = (out[type] ??= {});
        byStatus[statusOf(status)] = n;
      }
      return out;
    },
    depthByIntegration: () =>
      Object.fromEntries(
        q.byIntegration.all().map((r) => [r.integration, { depth: r.depth, dead: r.dead }]),
      ),
    deadIssues: (): DeadLetterIssue[] =>
      q.issues.all().map((r) => ({
        id: `${r.integration}/${r.operation}/${r.kind}`,
        integration: r.integration,
        operation: r.operation,
        errorKind: r.kind,
        count: r.n,
        firstSeen: r.first,
        lastSeen: r.last,
        sampleMessage: r.message,
      })),
    listDead({ issue, limit }) {
      const rows =
        issue === undefined
          ? q.dead.all(limit)
          : q.deadInIssue.all(issueParts(issue)).slice(0, limit);
      return rows.map(toJob);
    },
    selectDead,
  };

  return {
    ...asyncPort(reads),
    insert: (job) => {
      // Dropped once inserted: the batch then waits for its fsync without every job's payload
      // (and the parsed webhook event in it) reachable, so they die young instead of being
      // promoted by the scavenges that run during the wait.
      let held: NewJob | undefined = job;
      return write(() => {
        const inserting = held as NewJob;
        held = undefined;
        return insertOne(inserting);
      });
    },
    // A savepoint inside the group transaction: a run's jobs land together or not at all.
    insertMany: (jobs) => write(() => insertAll(jobs)),
    claim: (type, now, leaseMs, limit) => write(() => claim(type, now, leaseMs, limit)),
    extendLease: (id, token, leaseUntil) =>
      write(() => q.extend.run(leaseUntil, id, token).changes > 0),
    settle: (id, token, attempt, next) =>
      write(() =>
        next.status === 'succeeded'
          ? q.settleOk.run(JSON.stringify(attempt), attempt.endedAt, id, token).changes > 0
          : settleRow(
              id,
              token,
              next.status,
              next.status === 'queued' ? next.runAt : null,
              attempt,
              next.status === 'dead' ? attempt.endedAt : null,
            ),
      ),
    requeue: (ids, now) =>
      write(() =>
        db.transaction(() => ids.filter((id) => q.requeue.run(now, now, id).changes > 0))(),
      ),
    setPayload: (id, payload, now) =>
      write(() => {
        q.setPayload.run(JSON.stringify(payload), now, id);
        return get(id);
      }),
    discard: (ids, reason, now) =>
      write(() =>
        db.transaction(() => ids.filter((id) => q.discard.run(reason, now, id).changes > 0))(),
      ),
    // Through the group commit like every write: a batch shares a commit with the turn's ingest.
    // The keys leave the index once the delete is committed: an entry for a deleted row never
    // matches, but a row whose delete rolled back must stay findable.
    pruneSettled: async (before, limit) => {
      const deleted = await write(() => q.pruneSettled.all(before, limit));
      for (const r of deleted)
        if (r.idempotency_key !== null) keys.remove(r.type, r.idempotency_key, r.rowid);
      return deleted.length;
    },
  };
}
