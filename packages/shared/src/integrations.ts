// Operator-facing state of each integration: breaker, bulkhead, rate limit, retry budget, policies.
import { z } from 'zod';
import { EffectivePoliciesSchema, FallbackSchema, HttpMethodSchema } from './catalog';
import { BreakerStateSchema, UpstreamCallEventSchema } from './events';
import { NameSchema } from './upstreams';

export const BreakerSnapshotSchema = z.object({
  state: BreakerStateSchema,
  forced: z.enum(['open', 'closed']).nullable(),
  mode: z.enum(['consecutive', 'ratio']),
  consecutiveFailures: z.number().int().nonnegative(),
  windowCalls: z.number().int().nonnegative(),
  windowFailures: z.number().int().nonnegative(),
  windowSlow: z.number().int().nonnegative(),
  failureRatio: z.number().min(0).max(1),
  /** More failures that would open it; null when failures alone cannot. */
  distanceToTrip: z.number().int().nonnegative().nullable(),
});

/** Which provider serves an operation that has a backup: chosen by the breaker (`automatic`) or pinned to the backup by an operator. */
export const ProviderModeSchema = z.enum(['automatic', 'backup']);
export type ProviderMode = z.infer<typeof ProviderModeSchema>;

/** Operator switches on an integration, as they stand. */
export const IntegrationControlsSchema = z.object({
  /** False while the kill switch is on: calls fail fast with kind `disabled` (or go to a backup). */
  enabled: z.boolean(),
  /** The integration-wide provider mode; operations may override it. */
  provider: ProviderModeSchema,
});

export const IntegrationStateSchema = z
  .object({
    name: NameSchema,
    capability: z.string().nullable(),
    controls: IntegrationControlsSchema,
    breaker: BreakerSnapshotSchema,
    bulkhead: z.object({
      active: z.number(),
      queued: z.number(),
      maxConcurrent: z.number(),
      maxQueue: z.number(),
    }),
    rateLimit: z.object({
      perSecond: z.number(),
      headroom: z.number().min(0).max(1),
      blockedForMs: z.number().nonnegative(),
    }),
    retryBudget: z.object({ calls: z.number(), retries: z.number(), allowed: z.number() }),
    policies: EffectivePoliciesSchema,
    operations: z.array(
      z.object({
        name: NameSchema,
        method: HttpMethodSchema,
        path: z.string(),
        fallback: FallbackSchema.optional(),
        /** The provider mode in force for this operation; present when it has a backup integration. */
        provider: ProviderModeSchema.optional(),
      }),
    ),
  })
  .meta({ id: 'IntegrationState' });
export type IntegrationState = z.infer<typeof IntegrationStateSchema>;

export const IntegrationListSchema = z
  .object({
    items: z.array(IntegrationStateSchema),
    /** Pass as `cursor` for the next page; null on the last page. */
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'IntegrationList' });

export const BreakerActionSchema = z
  .object({
    /** `reset` clears the failure counts (and closes an automatic breaker) without changing who holds it. */
    action: z.enum(['force-open', 'force-closed', 'release', 'reset']),
  })
  .strict()
  .meta({ id: 'BreakerAction' });
export type BreakerAction = z.infer<typeof BreakerActionSchema>;

/** The kill switch: `disable` makes every call fail fast without a request; `enable` undoes it. */
export const KillSwitchActionSchema = z
  .object({ action: z.enum(['disable', 'enable']) })
  .strict()
  .meta({ id: 'KillSwitchAction' });
export type KillSwitchAction = z.infer<typeof KillSwitchActionSchema>;

/**
 * The provider switch: pin calls to the backup integration, or give the choice back to the breaker.
 * Without `operation` it applies to every operation with a backup (and clears per-operation choices).
 */
export const ProviderSwitchSchema = z
  .object({ mode: ProviderModeSchema, operation: NameSchema.optional() })
  .strict()
  .meta({ id: 'ProviderSwitch' });
export type ProviderSwitch = z.infer<typeof ProviderSwitchSchema>;

/** A recorded call, numbered so clients can ask for what came after the last one they saw. */
export const RecentCallSchema = UpstreamCallEventSchema.extend({
  seq: z.number().int().positive(),
});
export type RecentCall = z.infer<typeof RecentCallSchema>;

export const RecentCallListSchema = z
  .object({
    items: z.array(RecentCallSchema),
    /** The highest sequence number included (or the `since` given when nothing is new): pass as `since` next time. */
    latestSeq: z.number().int().nonnegative(),
  })
  .meta({ id: 'RecentCallList' });
