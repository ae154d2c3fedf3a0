// Contracts for calls to upstream integrations: the error taxonomy and per-source results.
import { z } from 'zod';

/**
 * Every upstream failure is classified once, where it happens, into one of these kinds.
 * Metrics, logs, alerts and the console all speak this vocabulary.
 */
export const ErrorKindSchema = z.enum([
  'timeout',
  'network',
  'http_5xx',
  'http_4xx',
  'rate_limited',
  'parse',
  'breaker_open',
  'bulkhead_full',
  'cancelled',
  /** Refused without a request: an operator disabled the integration (kill switch) or switched the call to its backup. */
  'disabled',
]);
export type ErrorKind = z.infer<typeof ErrorKindSchema>;

/** Name of an integration or operation: lower-case, digits and dashes, as used in URLs. */
export const NameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,62}$/,
    'use lower-case letters, digits and dashes, starting with a letter',
  );

/**
 * How one source of a view ended: `ok`; `stale` (cached data served because the provider failed or
 * its breaker is open); `fallback` (a static fallback or a backup provider answered); `error`;
 * `timeout`; `skipped` (a source it depends on did not succeed).
 */
export const SourceStatusSchema = z.enum([
  'ok',
  'stale',
  'fallback',
  'error',
  'timeout',
  'skipped',
]);
export type SourceStatus = z.infer<typeof SourceStatusSchema>;

export const SourceErrorSchema = z.object({
  kind: ErrorKindSchema,
  message: z.string(),
  httpStatus: z.number().int().optional(),
});
export type SourceError = z.infer<typeof SourceErrorSchema>;

export const CacheResultSchema = z.enum(['none', 'hit', 'miss', 'stale', 'coalesced']);
export type CacheResult = z.infer<typeof CacheResultSchema>;

/** One section of a view: what a single upstream answered, or why it did not. */
export const SourceResultSchema = z
  .object({
    integration: NameSchema,
    operation: NameSchema,
    status: SourceStatusSchema,
    /** When the source started, in ms after the view started (for a waterfall). */
    startedAtMs: z.number().nonnegative(),
    latencyMs: z.number().nonnegative(),
    attempts: z.number().int().nonnegative(),
    cache: CacheResultSchema,
    /** The integration that actually answered: differs from `integration` after failover. */
    provider: NameSchema,
    data: z.unknown().optional(),
    /** Why the source failed, or (for `stale` and `fallback`) why the primary answer was not used. */
    error: SourceErrorSchema.optional(),
  })
  .meta({ id: 'SourceResult' });
export type SourceResult = z.infer<typeof SourceResultSchema>;

export const ViewResultSchema = z
  .object({
    view: NameSchema,
    generatedAt: z.iso.datetime(),
    deadlineMs: z.number().int().positive(),
    latencyMs: z.number().nonnegative(),
    sources: z.record(z.string(), SourceResultSchema),
  })
  .meta({ id: 'ViewResult' });
export type ViewResult = z.infer<typeof ViewResultSchema>;
