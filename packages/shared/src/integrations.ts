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

export const IntegrationStateSchema = z
  .object({
    name: NameSchema,
    capability: z.string().nullable(),
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
      }),
    ),
  })
  .meta({ id: 'IntegrationState' });
export type IntegrationState = z.infer<typeof IntegrationStateSchema>;

/**
 * The parts of an integration's state that change while it runs: carried by the live stream's
 * samples, so the console updates the REST answers it holds (GET /api/integrations) in place.
 */
export const IntegrationLiveStateSchema = IntegrationStateSchema.pick({
  breaker: true,
  bulkhead: true,
  rateLimit: true,
});
export type IntegrationLiveState = z.infer<typeof IntegrationLiveStateSchema>;

export const IntegrationListSchema = z
  .object({
    items: z.array(IntegrationStateSchema),
    /** Pass as `cursor` for the next page; null on the last page. */
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'IntegrationList' });

export const BreakerActionSchema = z
  .object({ action: z.enum(['force-open', 'force-closed', 'release']) })
  .strict()
  .meta({ id: 'BreakerAction' });
export type BreakerAction = z.infer<typeof BreakerActionSchema>;

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
