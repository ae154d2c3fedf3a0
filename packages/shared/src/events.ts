// Typed events on the BFF's one event bus. Every reader (metrics, logs, streams) consumes these.
import { z } from 'zod';
import { CacheResultSchema, ErrorKindSchema, NameSchema } from './upstreams';

export const BreakerStateSchema = z.enum(['closed', 'open', 'half-open']);
export type BreakerState = z.infer<typeof BreakerStateSchema>;

const callFields = {
  /** Epoch milliseconds when it started. */
  at: z.number(),
  integration: NameSchema,
  operation: NameSchema,
  outcome: z.enum(['ok', 'error']),
  kind: ErrorKindSchema.optional(),
  httpStatus: z.number().int().optional(),
  latencyMs: z.number().nonnegative(),
  /** State of the integration's breaker when the attempt or call ended. */
  breaker: BreakerStateSchema,
  /** Share of the outbound rate limit still available, 0..1. */
  rateLimitHeadroom: z.number().min(0).max(1),
  traceId: z.string(),
  /** Set on calls made by a synthetic health check, so dashboards can tell them from real traffic. */
  synthetic: z.literal(true).optional(),
};

/** One attempt at one upstream operation (a call makes one or more attempts). */
export const UpstreamAttemptEventSchema = z.object({
  type: z.literal('upstream.attempt'),
  ...callFields,
  attempt: z.number().int().positive(),
  /** The wait before the next attempt, when one follows. */
  retryInMs: z.number().nonnegative().optional(),
  /** The W3C span id this attempt sent upstream in `traceparent` (its client span). */
  spanId: z.string().optional(),
  /** The span the call was made under (the inbound request's), when there is one. */
  parentSpanId: z.string().optional(),
});
export type UpstreamAttemptEvent = z.infer<typeof UpstreamAttemptEventSchema>;

/** One whole call: after retries, cache, fallback and failover. */
export const UpstreamCallEventSchema = z.object({
  type: z.literal('upstream.call'),
  ...callFields,
  attempts: z.number().int().nonnegative(),
  cache: CacheResultSchema,
  /** The integration that answered (differs after failover). */
  provider: NameSchema,
  fallback: z.enum(['static', 'failover']).optional(),
});
export type UpstreamCallEvent = z.infer<typeof UpstreamCallEventSchema>;

export const BreakerTransitionEventSchema = z.object({
  type: z.literal('breaker.transition'),
  at: z.number(),
  integration: NameSchema,
  from: BreakerStateSchema,
  to: BreakerStateSchema,
  reason: z.string(),
  forced: z.enum(['open', 'closed']).nullable(),
});
export type BreakerTransitionEvent = z.infer<typeof BreakerTransitionEventSchema>;

const alertFields = {
  /** Epoch milliseconds. */
  at: z.number(),
  incidentId: z.number().int().positive(),
  rule: NameSchema,
  integration: NameSchema,
  severity: z.enum(['warning', 'critical']),
  message: z.string(),
};

/** An alert rule has been breached for its `forSec`: an incident opened. */
export const AlertFiredEventSchema = z.object({ type: z.literal('alert.fired'), ...alertFields });
export type AlertFiredEvent = z.infer<typeof AlertFiredEventSchema>;

/** The breach cleared: the incident is resolved. */
export const AlertResolvedEventSchema = z.object({
  type: z.literal('alert.resolved'),
  ...alertFields,
  firedAt: z.number(),
});
export type AlertResolvedEvent = z.infer<typeof AlertResolvedEventSchema>;

/**
 * An operator changed how calls to an integration are made: the kill switch (`enabled`) or the
 * provider switch (`provider`, for one operation or all of them). Breaker actions are
 * `breaker.transition` events.
 */
export const IntegrationControlEventSchema = z.object({
  type: z.literal('integration.control'),
  at: z.number(),
  integration: NameSchema,
  control: z.enum(['kill-switch', 'provider']),
  enabled: z.boolean(),
  provider: z.enum(['automatic', 'backup']),
  /** Set when the provider switch was for one operation. */
  operation: NameSchema.optional(),
  actor: z.string(),
});
export type IntegrationControlEvent = z.infer<typeof IntegrationControlEventSchema>;

export const BusEventSchema = z.discriminatedUnion('type', [
  UpstreamAttemptEventSchema,
  UpstreamCallEventSchema,
  BreakerTransitionEventSchema,
  AlertFiredEventSchema,
  AlertResolvedEventSchema,
  IntegrationControlEventSchema,
]);
export type BusEvent = z.infer<typeof BusEventSchema>;
