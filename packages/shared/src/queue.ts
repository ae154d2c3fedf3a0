// Contracts of the job queue, its dead letters, flow runs and the inbound webhook log.
import { z } from 'zod';
import { ErrorKindSchema } from './upstreams';

/**
 * Why one attempt at a job failed: an upstream failure kind, or one of the queue's own —
 * `lease_expired` (the worker holding it went away), `handler` (the handler threw something
 * unclassified), `invalid_payload` (the payload cannot be processed as it is).
 */
export const JobErrorKindSchema = z.union([
  ErrorKindSchema,
  z.enum(['lease_expired', 'handler', 'invalid_payload']),
]);
export type JobErrorKind = z.infer<typeof JobErrorKindSchema>;

export const JobStatusSchema = z.enum(['queued', 'running', 'succeeded', 'dead', 'discarded']);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** One attempt at a job, kept for the dead-letter history. */
export const JobAttemptSchema = z
  .object({
    /** 1 for the first attempt of a round; a replay starts a new round. */
    attempt: z.number().int().positive(),
    round: z.number().int().positive(),
    /** Epoch milliseconds. */
    startedAt: z.number(),
    endedAt: z.number(),
    durationMs: z.number().nonnegative(),
    outcome: z.enum(['ok', 'error']),
    errorKind: JobErrorKindSchema.optional(),
    message: z.string().optional(),
    /** The integration that answered or was last tried (differs from the job's after failover). */
    provider: z.string().optional(),
  })
  .meta({ id: 'JobAttempt' });
export type JobAttempt = z.infer<typeof JobAttemptSchema>;

export const JobSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    payload: z.unknown(),
    idempotencyKey: z.string().nullable(),
    status: JobStatusSchema,
    priority: z.number().int(),
    /** Attempts made in the current round. */
    attempts: z.number().int().nonnegative(),
    maxAttempts: z.number().int().positive(),
    round: z.number().int().positive(),
    /**
     * Bumped by every payload edit. An edited payload is a different request, so handlers derive
     * the upstream idempotency key from key and revision; unedited replays reuse the same key.
     */
    revision: z.number().int().nonnegative(),
    runAt: z.number(),
    leaseUntil: z.number().nullable(),
    /** What the job calls, for grouping dead letters into issues. */
    integration: z.string().nullable(),
    operation: z.string().nullable(),
    lastErrorKind: JobErrorKindSchema.nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
    deadAt: z.number().nullable(),
    discardReason: z.string().nullable(),
    history: z.array(JobAttemptSchema),
  })
  .meta({ id: 'Job' });
export type Job = z.infer<typeof JobSchema>;

export const QueueStatsSchema = z
  .object({
    byType: z.record(z.string(), z.record(JobStatusSchema, z.number().int().nonnegative())),
    workers: z.record(
      z.string(),
      z.object({ concurrency: z.number().int(), inFlight: z.number().int() }),
    ),
    draining: z.boolean(),
  })
  .meta({ id: 'QueueStats' });
export type QueueStats = z.infer<typeof QueueStatsSchema>;

// --- Dead letters -----------------------------------------------------------------------------

/** Dead letters that failed the same way: same integration, operation and last error kind. */
export const DeadLetterIssueSchema = z
  .object({
    /** Stable id of the group: `integration/operation/errorKind` (the job type stands in when no integration). */
    id: z.string(),
    integration: z.string(),
    operation: z.string(),
    errorKind: z.string(),
    count: z.number().int().positive(),
    firstSeen: z.number(),
    lastSeen: z.number(),
    /** The most recent error message, as a hint. */
    sampleMessage: z.string().nullable(),
  })
  .meta({ id: 'DeadLetterIssue' });
export type DeadLetterIssue = z.infer<typeof DeadLetterIssueSchema>;

export const DeadLetterIssueListSchema = z
  .object({ issues: z.array(DeadLetterIssueSchema), total: z.number().int().nonnegative() })
  .meta({ id: 'DeadLetterIssueList' });

export const DeadLetterListSchema = z
  .object({ items: z.array(JobSchema) })
  .meta({ id: 'DeadLetterList' });

/** Which dead letters an action applies to: listed ids, or every one of an issue. */
export const DeadLetterSelectionSchema = z
  .union([
    z.object({ ids: z.array(z.string().min(1).max(100)).min(1).max(1000) }).strict(),
    z.object({ issue: z.string().min(1).max(300) }).strict(),
  ])
  .meta({ id: 'DeadLetterSelection' });
export type DeadLetterSelection = z.infer<typeof DeadLetterSelectionSchema>;

export const ReplayRequestSchema = z
  .object({
    selection: DeadLetterSelectionSchema,
    /** Count what would be sent, change nothing. */
    dryRun: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'ReplayRequest' });
export type ReplayRequest = z.infer<typeof ReplayRequestSchema>;

export const ReplayResultSchema = z
  .object({
    dryRun: z.boolean(),
    /** How many were (or would be) sent back to the queue. */
    count: z.number().int().nonnegative(),
    ids: z.array(z.string()),
  })
  .meta({ id: 'ReplayResult' });
export type ReplayResult = z.infer<typeof ReplayResultSchema>;

export const EditPayloadRequestSchema = z
  .object({ payload: z.unknown() })
  .strict()
  .meta({ id: 'EditPayloadRequest' });

/** One changed value between two payloads, by JSON pointer. */
export const PayloadChangeSchema = z
  .object({
    path: z.string(),
    op: z.enum(['add', 'remove', 'replace']),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
  })
  .meta({ id: 'PayloadChange' });
export type PayloadChange = z.infer<typeof PayloadChangeSchema>;

export const EditPayloadResultSchema = z
  .object({ deadLetter: JobSchema, diff: z.array(PayloadChangeSchema) })
  .meta({ id: 'EditPayloadResult' });

export const DiscardRequestSchema = z
  .object({
    selection: DeadLetterSelectionSchema,
    reason: z.string().trim().min(1).max(500),
  })
  .strict()
  .meta({ id: 'DiscardRequest' });

export const DiscardResultSchema = z
  .object({ count: z.number().int().nonnegative(), ids: z.array(z.string()) })
  .meta({ id: 'DiscardResult' });

// --- Flows: defined in ./flows, re-exported for the callers that read them here ---------------

export {
  FlowRunListSchema,
  FlowRunSchema,
  FlowRunStatusSchema,
  FlowStepStateSchema,
  FlowStepStatusSchema,
  SignupRequestSchema,
} from './flows';
export type { FlowRun, FlowStepState, SignupRequest } from './flows';

// --- Inbound webhooks -------------------------------------------------------------------------

export const WebhookRejectionSchema = z.enum([
  'unknown_source',
  'missing_signature',
  'malformed_signature',
  'bad_signature',
  'timestamp_out_of_tolerance',
  'invalid_body',
]);
export type WebhookRejection = z.infer<typeof WebhookRejectionSchema>;

export const WebhookLogEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.number(),
    source: z.string(),
    /** The delivery id (webhook-id, the event id, or X-GitHub-Delivery) when one was given. */
    deliveryId: z.string().nullable(),
    outcome: z.enum(['accepted', 'duplicate', 'rejected']),
    reason: WebhookRejectionSchema.nullable(),
    eventType: z.string().nullable(),
    bodyBytes: z.number().int().nonnegative(),
    /** The job that processes it, for accepted deliveries. */
    jobId: z.string().nullable(),
    /** What processing it triggered, once its job ran (e.g. `analytics/track payment.received`). */
    triggered: z.string().nullable().default(null),
  })
  .meta({ id: 'WebhookLogEntry' });
export type WebhookLogEntry = z.infer<typeof WebhookLogEntrySchema>;

export const WebhookLogSchema = z
  .object({ items: z.array(WebhookLogEntrySchema) })
  .meta({ id: 'WebhookLog' });
