// The embedded queue's storage: jobs, leases and dead letters in their own SQLite file (queue.db).
import type {
  DeadLetterIssue,
  DeadLetterSelection,
  Job,
  JobAttempt,
  JobStatus,
} from '@switchboard/shared/queue';
import { JobErrorKindSchema, JobStatusSchema } from '@switchboard/shared/queue';
import type { ClaimedJob, JobStore, NewJob } from '../../queue/job-store';
import { openDatabase, type SqliteDatabase } from './sqlite';
import { asyncPort, type Sync } from './sync-port';

/**
 * Opens `queue.db` in the data directory. WAL like the main database, but `synchronous = FULL`:
 * an enqueue is acknowledged to callers (a webhook's 2xx, a flow's 202) as durable, so a commit
 * must survive a power loss, not only a process crash. FULL costs an fsync per commit (~1–2 ms on
 * SSDs); enqueue and settle are single small transactions, so that is the price per job step.
 * @example const db = openQueueDatabase('.data'); const store = createSqliteJobStore(db);
 */
export function openQueueDatabase(dataDir: string): SqliteDatabase {
  const db = openDatabase(dataDir, 'queue.db');
  db.pragma('synchronous = FULL');
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
  discard_reason TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs (type, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (type, status, run_at);
CREATE INDEX IF NOT EXISTS jobs_dead ON jobs (status, dead_at);
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

const toJob = (r: JobRow): Job => ({
  id: r.id,
  type: r.type,
  payload: JSON.parse(r.payload) as unknown,
  idempotencyKey: r.idempotency_key,
  // Rows are only written through this store: a parse failure means a corrupted database.
  status: JobStatusSchema.parse(r.status),
  priority: r.priority,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  round: r.round,
  revision: r.revision,
  runAt: r.run_at,
  leaseUntil: r.lease_until,
  integration: r.integration,
  operation: r.operation,
  lastErrorKind: r.last_error_kind === null ? null : JobErrorKindSchema.parse(r.last_error_kind),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deadAt: r.dead_at,
  discardReason: r.discard_reason,
  history: JSON.parse(r.history) as JobAttempt[],
});

const newToken = () => crypto.randomUUID();

/** @example const store = createSqliteJobStore(openQueueDatabase('.data')); */
export function createSqliteJobStore(db: SqliteDatabase): JobStore {
  db.exec(schema);
  const q = {
    insert: db.prepare(
      `INSERT INTO jobs (id, type, payload, idempotency_key, status, priority, max_attempts,
         backoff_base_ms, backoff_max_ms, run_at, integration, operation, created_at, updated_at)
       VALUES (@id, @type, @payload, @idempotencyKey, 'queued', @priority, @maxAttempts,
         @baseMs, @maxMs, @runAt, @integration, @operation, @createdAt, @createdAt)
       ON CONFLICT DO NOTHING`,
    ),
    byKey: db.prepare<[string, string], { id: string }>(
      'SELECT id FROM jobs WHERE type = ? AND idempotency_key = ?',
    ),
    byId: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    due: db.prepare<{ type: string; now: number; limit: number }, JobRow>(
      `SELECT * FROM jobs
       WHERE type = @type AND ((status = 'queued' AND run_at <= @now)
                            OR (status = 'running' AND lease_until <= @now))
       ORDER BY priority DESC, run_at, created_at LIMIT @limit`,
    ),
    lease: db.prepare(
      `UPDATE jobs SET status = 'running', attempts = @attempts, lease_until = @leaseUntil,
         lease_token = @token, history = @history, updated_at = @now WHERE id = @id`,
    ),
    extend: db.prepare<[number, string, string]>(
      `UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_token = ? AND status = 'running'`,
    ),
    settle: db.prepare(
      `UPDATE jobs SET status = @status, run_at = @runAt, lease_until = NULL, lease_token = NULL,
         history = @history, last_error_kind = coalesce(@kind, last_error_kind),
         last_error_message = coalesce(@message, last_error_message),
         dead_at = @deadAt, updated_at = @now
       WHERE id = @id AND lease_token = @token AND status = 'running'`,
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

  const claim = db.transaction((type: string, now: number, leaseMs: number, limit: number) => {
    const claimed: ClaimedJob[] = [];
    const dead: Job[] = [];
    for (const row of q.due.all({ type, now, limit })) {
      const history = JSON.parse(row.history) as JobAttempt[];
      let attempts = row.attempts;
      if (row.status === 'running') {
        // The worker holding it went away: that attempt failed, whatever it did.
        const startedAt = row.lease_until ?? now;
        history.push({
          attempt: attempts,
          round: row.round,
          startedAt,
          endedAt: now,
          durationMs: Math.max(0, now - startedAt),
          outcome: 'error',
          errorKind: 'lease_expired',
          message: 'the worker holding the lease stopped before settling the job',
          ...(row.integration !== null && { provider: row.integration }),
        });
        if (attempts >= row.max_attempts) {
          q.settle.run({
            id: row.id,
            token: row.lease_token,
            status: 'dead',
            runAt: row.run_at,
            history: JSON.stringify(history),
            kind: 'lease_expired',
            message: 'the worker holding the lease stopped before settling the job',
            deadAt: now,
            now,
          });
          const job = get(row.id);
          if (job) dead.push(job);
          continue;
        }
      }
      attempts += 1;
      const token = newToken();
      q.lease.run({
        id: row.id,
        attempts,
        leaseUntil: now + leaseMs,
        token,
        history: JSON.stringify(history),
        now,
      });
      const job = get(row.id);
      if (job)
        claimed.push({
          job,
          leaseToken: token,
          backoff: { baseMs: row.backoff_base_ms, maxMs: row.backoff_max_ms },
        });
    }
    return { claimed, dead };
  });

  const settle = db.transaction(
    (
      id: string,
      token: string,
      attempt: JobAttempt,
      next: { status: 'succeeded' } | { status: 'queued'; runAt: number } | { status: 'dead' },
    ) => {
      const row = q.byId.get(id);
      if (!row || row.lease_token !== token || row.status !== 'running') return false;
      const history = [...(JSON.parse(row.history) as JobAttempt[]), attempt];
      return (
        q.settle.run({
          id,
          token,
          status: next.status,
          runAt: next.status === 'queued' ? next.runAt : row.run_at,
          history: JSON.stringify(history),
          kind: attempt.errorKind ?? null,
          message: attempt.message ?? null,
          deadAt: next.status === 'dead' ? attempt.endedAt : null,
          now: attempt.endedAt,
        }).changes > 0
      );
    },
  );

  const selectDead = (selection: DeadLetterSelection): Job[] => {
    if ('ids' in selection)
      return selection.ids.map(get).filter((j): j is Job => j !== undefined && j.status === 'dead');
    return q.deadInIssue.all(issueParts(selection.issue)).map(toJob);
  };

  const insertOne = (job: NewJob) => {
    const changes = q.insert.run({
      ...job,
      payload: JSON.stringify(job.payload),
      baseMs: job.backoff.baseMs,
      maxMs: job.backoff.maxMs,
    }).changes;
    if (changes > 0) return { id: job.id, created: true };
    const existing =
      job.idempotencyKey === null ? undefined : q.byKey.get(job.type, job.idempotencyKey);
    if (!existing) throw new Error(`job ${job.id} could not be inserted`);
    return { id: existing.id, created: false };
  };
  const insertMany = db.transaction((jobs: NewJob[]) => jobs.map(insertOne));

  const store: Sync<JobStore> = {
    insertMany: (jobs) => insertMany(jobs),
    insert(job) {
      const changes = q.insert.run({
        ...job,
        payload: JSON.stringify(job.payload),
        baseMs: job.backoff.baseMs,
        maxMs: job.backoff.maxMs,
      }).changes;
      if (changes > 0) return { id: job.id, created: true };
      const existing =
        job.idempotencyKey === null ? undefined : q.byKey.get(job.type, job.idempotencyKey);
      if (!existing) throw new Error(`job ${job.id} could not be inserted`);
      return { id: existing.id, created: false };
    },
    claim: (type, now, leaseMs, limit) => claim(type, now, leaseMs, limit),
    extendLease: (id, token, leaseUntil) => q.extend.run(leaseUntil, id, token).changes > 0,
    settle: (id, token, attempt, next) => settle(id, token, attempt, next),
    get,
    nextDueAt: (type) => q.nextDue.get(type)?.at ?? undefined,
    counts() {
      const out: Record<string, Partial<Record<JobStatus, number>>> = {};
      for (const { type, status, n } of q.counts.all()) {
        const byStatus = (out[type] ??= {});
        byStatus[JobStatusSchema.parse(status)] = n;
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
    requeue: (ids, now) =>
      db.transaction(() => ids.filter((id) => q.requeue.run(now, now, id).changes > 0))(),
    setPayload(id, payload, now) {
      q.setPayload.run(JSON.stringify(payload), now, id);
      return get(id);
    },
    discard: (ids, reason, now) =>
      db.transaction(() => ids.filter((id) => q.discard.run(reason, now, id).changes > 0))(),
  };
  return asyncPort(store);
}
