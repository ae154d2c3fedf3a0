// The queue port: what producers and workers need from a durable job queue, whatever runs it.
import type {
  DeadLetterIssue,
  DeadLetterSelection,
  Job,
  JobErrorKind,
  PayloadChange,
  QueueStats,
  ReplayResult,
} from '@switchboard/shared/queue';

export interface BackoffPolicy {
  /** The wait before the second attempt; doubles per attempt, with jitter. */
  baseMs: number;
  maxMs: number;
}

export interface EnqueueOptions {
  type: string;
  payload: unknown;
  /** Deduplicates: a second enqueue of the same type and key returns the first job. */
  idempotencyKey?: string;
  /** Higher runs first among due jobs. Default 0. */
  priority?: number;
  /** Not before this epoch-ms time (delayed job); `delayMs` is relative to now. */
  runAt?: number;
  delayMs?: number;
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** What the job calls, so dead letters group into issues by integration and operation. */
  integration?: string;
  operation?: string;
  /**
   * What produced the job, as a short text its producer reads back (the webhook log keeps an
   * accepted delivery's line here instead of in a row of its own, decision 035). Not edited with
   * the payload.
   */
  origin?: string;
}

/**
 * A payload that is already JSON text (e.g. a verified webhook body wrapped with a few fields),
 * stored as it is instead of being parsed and serialised again; anything else that serialises it
 * with `JSON.stringify` gets the same value through `toJSON`.
 * @example queue.enqueue({ type, payload: new JsonText(`{"event":${body}}`) });
 */
export class JsonText {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

export interface EnqueueResult {
  id: string;
  /** False when the idempotency key matched an existing job. */
  created: boolean;
}

/** What a handler reports on success: the provider that did the work, when it is not the job's integration. */
export interface JobSuccess {
  provider?: string;
  result?: unknown;
}

export interface JobContext {
  /** 1 for the first attempt of this round. */
  attempt: number;
  /** Aborts when the lease can no longer be held (shutdown outlived its bound). */
  signal: AbortSignal;
}

/** May be synchronous; a throw (or rejection) is a failed attempt. */
export type JobHandler = (
  job: Job,
  context: JobContext,
) => Promise<JobSuccess | void> | JobSuccess | void;

export interface WorkerOptions {
  /** Jobs of this type run at most this many at a time in this process. Default 1. */
  concurrency?: number;
  /** Called once when a job of this type goes to the dead-letter queue (e.g. to compensate). */
  onDead?: (job: Job) => Promise<void> | void;
}

/**
 * A failed attempt with a kind. `retryable: false` sends the job to the dead-letter queue at once
 * (a 4xx will not get better by itself).
 */
export class JobFailure extends Error {
  override name = 'JobFailure';
  readonly kind: JobErrorKind;
  readonly retryable: boolean;
  readonly provider: string | undefined;
  constructor(
    kind: JobErrorKind,
    message: string,
    options: { retryable?: boolean; provider?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.retryable = options.retryable ?? true;
    this.provider = options.provider;
  }
}

export const isJobFailure = (e: unknown): e is JobFailure => e instanceof JobFailure;

export interface DeadLetters {
  issues(): Promise<DeadLetterIssue[]>;
  list(filter: { issue?: string; limit: number }): Promise<Job[]>;
  get(id: string): Promise<Job | undefined>;
  /** Sends the selected dead letters back to the queue (fresh attempts); a dry run only counts them. */
  replay(selection: DeadLetterSelection, options: { dryRun: boolean }): Promise<ReplayResult>;
  /** Replaces a dead letter's payload; returns the change as JSON-pointer operations. */
  edit(
    id: string,
    payload: unknown,
  ): Promise<{ deadLetter: Job; diff: PayloadChange[] } | undefined>;
  discard(selection: DeadLetterSelection, reason: string): Promise<string[]>;
}

/** One attempt settled: the job succeeded, will be retried, or went to the dead letters. */
export interface JobSettled {
  type: string;
  jobId: string;
  outcome: 'succeeded' | 'retrying' | 'dead';
}

export interface Queue {
  enqueue(options: EnqueueOptions): Promise<EnqueueResult>;
  /**
   * Enqueues several jobs at once, all or none (one durable commit: a flow's parallel steps cost
   * one fsync, not one each). Results in the order given.
   */
  enqueueMany(options: EnqueueOptions[]): Promise<EnqueueResult[]>;
  /** Registers the handler for a job type; call before `start()`. */
  handle(type: string, handler: JobHandler, options?: WorkerOptions): void;
  get(id: string): Promise<Job | undefined>;
  /** Starts claiming jobs for every registered type. */
  start(): void;
  /**
   * Claims what is due now (up to each type's concurrency) and waits for it to settle; returns
   * how many jobs ran. For tests and tools that drive time by hand.
   */
  runDue(): Promise<number>;
  /** Stops claiming and waits up to `timeoutMs` for jobs in flight; the rest are left to their leases. */
  drain(timeoutMs: number): Promise<{ abandoned: number }>;
  stats(): Promise<QueueStats>;
  /** Jobs waiting or running, and dead letters, by the integration they call (for live metrics). */
  depthByIntegration(): Promise<Record<string, { depth: number; dead: number }>>;
  /** Listens to every settled attempt in this process (throughput metrics); returns the unsubscribe. */
  onSettled(listener: (event: JobSettled) => void): () => void;
  readonly deadLetters: DeadLetters;
}
