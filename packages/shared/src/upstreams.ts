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
]);
export type ErrorKind = z.infer<typeof ErrorKindSchema>;

/** Name of an integration or operation: lower-case, digits and dashes, as used in URLs. */
export const NameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,62}$/,
    'use lower-case letters, digits and dashes, starting with a letter',
  );

export const SourceStatusSchema = z.enum(['ok', 'error', 'timeout']);
export type SourceStatus = z.infer<typeof SourceStatusSchema>;

export const SourceErrorSchema = z.object({
  kind: ErrorKindSchema,
  message: z.string(),
  httpStatus: z.number().int().optional(),
});
export type SourceError = z.infer<typeof SourceErrorSchema>;

/** One section of a view: what a single upstream answered, or why it did not. */
export const SourceResultSchema = z
  .object({
    integration: NameSchema,
    operation: NameSchema,
    status: SourceStatusSchema,
    latencyMs: z.number().nonnegative(),
    data: z.unknown().optional(),
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
