// The persistence port under the embedded queue runner: rows, leases and dead letters. SQLite
// implements it (runtime/node/sqlite-queue.ts); a BullMQ queue would implement `Queue` instead.
import type {
  DeadLetterIssue,
  DeadLetterSelection,
  Job,
  JobAttempt,
  JobStatus,
} from '@switchboard/shared/queue';
import type { BackoffPolicy } from './queue';

export interface NewJob {
  id: string;
  type: string;
  payload: unknown;
  idempotencyKey: string | null;
  priority: number;
  runAt: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  integration: string | null;
  operation: string | null;
  createdAt: number;
  /** What produced the job, as its producer describes it (kept with the job, never edited). */
  origin?: string | null;
}

/** A job this worker holds: only the holder of `leaseToken` may settle it. */
export interface ClaimedJob {
  job: Job;
  leaseToken: string;
  backoff: BackoffPolicy;
}

export interface JobStore {
  /**
   * Inserts the job unless one of the same type has the same idempotency key, for as long as that
   * job is stored (restarts included). The embedded store keeps its key index in memory and is the
   * only writer of its database; a shared store must make the check atomic itself (decision 035).
   */
  insert(job: NewJob): Promise<{ id: string; created: boolean }>;
  /** `insert` for each job, in one transaction. */
  insertMany(jobs: NewJob[]): Promise<Array<{ id: string; created: boolean }>>;
  /**
   * Claims up to `limit` due jobs of `type`, highest priority then earliest first: queued with
   * `runAt <= now`, or running with an expired lease. An expired lease counts as a failed attempt
   * (`lease_expired`); a job that has no attempts left then goes to the dead letters instead.
   * Returns the claimed jobs and those that went dead.
   */
  claim(
    type: string,
    now: number,
    leaseMs: number,
    limit: number,
  ): Promise<{ claimed: ClaimedJob[]; dead: Job[] }>;
  extendLease(id: string, leaseToken: string, leaseUntil: number): Promise<boolean>;
  /** Settles an attempt: done, again at `retryAt`, or dead. False when the lease was lost. */
  settle(
    id: string,
    leaseToken: string,
    attempt: JobAttempt,
    next: { status: 'succeeded' } | { status: 'queued'; runAt: number } | { status: 'dead' },
  ): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  /** The earliest `runAt` (or lease end) among jobs of `type` still to run. */
  nextDueAt(type: string): Promise<number | undefined>;
  counts(): Promise<Record<string, Partial<Record<JobStatus, number>>>>;
  /** Queued + running (`depth`) and dead jobs per integration, for jobs that name one. */
  depthByIntegration(): Promise<Record<string, { depth: number; dead: number }>>;
  deadIssues(): Promise<DeadLetterIssue[]>;
  listDead(filter: { issue?: string; limit: number }): Promise<Job[]>;
  selectDead(selection: DeadLetterSelection): Promise<Job[]>;
  /** Dead → queued for a new round of attempts; returns the ids that moved. */
  requeue(ids: string[], now: number): Promise<string[]>;
  setPayload(id: string, payload: unknown, now: number): Promise<Job | undefined>;
  discard(ids: string[], reason: string, now: number): Promise<string[]>;
  /**
   * Deletes up to `limit` succeeded or discarded jobs last changed before `before` (retention);
   * returns how many. Queued, running and dead jobs are never pruned.
   */
  pruneSettled(before: number, limit: number): Promise<number>;
}

/** `integration/operation/errorKind`: how dead letters group into issues. */
export const issueIdOf = (job: Pick<Job, 'type' | 'integration' | 'operation' | 'lastErrorKind'>) =>
  `${job.integration ?? job.type}/${job.operation ?? '-'}/${job.lastErrorKind ?? 'handler'}`;
