// Flows: multi-step operations over integration operations, as the catalog declares them, and the
// runs the BFF records for each start (step states, compensation), listed over HTTP and streamed live.
import { z } from 'zod';
import { NameSchema } from './upstreams';

const ms = (max = 3_600_000) => z.number().int().min(0).max(max);

// --- Declared in the catalog ------------------------------------------------------------------

/** A value from the flow's input or an earlier step's result: `${input.email}`, `${steps.create-user.id}`. */
export const FlowCallSchema = z
  .object({
    integration: NameSchema,
    operation: NameSchema,
    /** Path parameters; strings may hold `${...}` references. */
    params: z.record(z.string(), z.string()).optional(),
    /** The JSON body; strings anywhere in it may hold `${...}` references. */
    body: z.unknown().optional(),
  })
  .strict();
export type FlowCallConfig = z.infer<typeof FlowCallSchema>;

export const FlowRetrySchema = z
  .object({
    /** Job attempts in all (each attempt also runs the operation's own retry policy). */
    maxAttempts: z.number().int().min(1).max(20).default(5),
    baseDelayMs: ms(600_000).default(1_000),
    maxDelayMs: ms(3_600_000).default(60_000),
  })
  .strict();

export const FlowStepSchema = FlowCallSchema.extend({
  /** `sync` steps run in declaration order while the request waits; `async` steps are queued jobs. */
  mode: z.enum(['sync', 'async']).default('async'),
  /** When a critical step fails for good, the flow compensates the steps that succeeded. */
  critical: z.boolean().default(false),
  /**
   * Steps that must succeed first. Sync steps all run before any async step, so an async step
   * lists only the async steps it needs; async steps without dependencies start together.
   */
  dependsOn: z.array(NameSchema).max(20).default([]),
  /** The undo of this step, run (as a job) when a later critical step fails for good. */
  compensate: FlowCallSchema.optional(),
  retry: FlowRetrySchema.prefault({}),
}).strict();
export type FlowStepConfig = z.infer<typeof FlowStepSchema>;

export const FlowSchema = z
  .object({
    steps: z
      .record(NameSchema, FlowStepSchema)
      .refine((s) => Object.keys(s).length > 0, 'declare at least one step'),
  })
  .strict();
export type FlowConfig = z.infer<typeof FlowSchema>;

// --- Runs -------------------------------------------------------------------------------------

/**
 * `pending` (not started), `running` (an attempt is under way or will be retried), `succeeded`,
 * `failed` (failed for good: a dead letter an operator may replay), `skipped` (not run because the
 * flow was compensated first), and the compensation states of a step that had succeeded.
 */
export const FlowStepStatusSchema = z.enum([
  'pending',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'compensating',
  'compensated',
  'compensation_failed',
]);
export type FlowStepStatus = z.infer<typeof FlowStepStatusSchema>;

export const FlowStepErrorSchema = z.object({
  kind: z.string(),
  message: z.string(),
  provider: z.string().optional(),
});
export type FlowStepError = z.infer<typeof FlowStepErrorSchema>;

export const FlowStepStateSchema = z
  .object({
    step: NameSchema,
    mode: z.enum(['sync', 'async']),
    critical: z.boolean(),
    dependsOn: z.array(NameSchema),
    status: FlowStepStatusSchema,
    /** The queued job running this step (async steps), once enqueued. */
    jobId: z.string().nullable(),
    /** Attempts made so far (over every replay round). */
    attempts: z.number().int().nonnegative(),
    /** What the upstream answered, once the step succeeded. */
    result: z.unknown().optional(),
    /** The provider that did the work (differs from the step's integration after failover). */
    provider: z.string().optional(),
    /** The last failure; kept after a retry succeeds, so the history shows what happened. */
    error: FlowStepErrorSchema.optional(),
    /** The compensation job, once the step is being undone. */
    compensationJobId: z.string().nullable(),
    updatedAt: z.number(),
  })
  .meta({ id: 'FlowStepState' });
export type FlowStepState = z.infer<typeof FlowStepStateSchema>;

/**
 * `running` until every step succeeded (`succeeded`); `failed` while a step failed for good and
 * was not replayed yet (a replay that succeeds brings the run back); `compensating` then
 * `compensated` after a critical step failed for good.
 */
export const FlowRunStatusSchema = z.enum([
  'running',
  'succeeded',
  'failed',
  'compensating',
  'compensated',
]);
export type FlowRunStatus = z.infer<typeof FlowRunStatusSchema>;

export const FlowRunSchema = z
  .object({
    id: z.string(),
    flow: NameSchema,
    /**
     * The inbound request's Idempotency-Key (else the run id). The run id is derived from it and
     * the caller, and every upstream call of the run sends `<runId>:<step>` as its own key.
     */
    idempotencyKey: z.string(),
    status: FlowRunStatusSchema,
    input: z.unknown(),
    steps: z.array(FlowStepStateSchema),
    /** The critical step whose failure made the run compensate, when it did. */
    failedStep: NameSchema.nullable(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'FlowRun' });
export type FlowRun = z.infer<typeof FlowRunSchema>;

export const FlowRunListSchema = z
  .object({
    items: z.array(FlowRunSchema),
    /** Pass as `cursor` for the next (older) page; null on the last page. */
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'FlowRunList' });
export type FlowRunList = z.infer<typeof FlowRunListSchema>;

export const FlowRunQuerySchema = z.object({
  status: FlowRunStatusSchema.optional(),
  flow: NameSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

// --- The sign-up flow -------------------------------------------------------------------------

export const SignupRequestSchema = z
  .object({ name: z.string().trim().min(1).max(100), email: z.email() })
  .strict()
  .meta({ id: 'SignupRequest' });
export type SignupRequest = z.infer<typeof SignupRequestSchema>;

export const SignupResponseSchema = z
  .object({
    /** The user as the users provider created it. */
    user: z.unknown(),
    /** The run: the welcome email and the analytics event are queued steps of it. */
    run: FlowRunSchema,
  })
  .meta({ id: 'SignupResponse' });
export type SignupResponse = z.infer<typeof SignupResponseSchema>;

// --- Live stream ------------------------------------------------------------------------------

/** The topic flow runs are streamed on. */
export const flowsTopic = 'flows';
