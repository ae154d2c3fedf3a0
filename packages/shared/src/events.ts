// Typed events on the BFF's one event bus. Every reader (metrics, logs, streams) consumes these.
import { z } from 'zod';
import { ErrorKindSchema, NameSchema } from './upstreams';

/** One attempt at one upstream operation, successful or not. */
export const UpstreamCallEventSchema = z.object({
  type: z.literal('upstream.call'),
  at: z.number(),
  integration: NameSchema,
  operation: NameSchema,
  attempt: z.number().int().positive(),
  outcome: z.enum(['ok', 'error']),
  kind: ErrorKindSchema.optional(),
  httpStatus: z.number().int().optional(),
  latencyMs: z.number().nonnegative(),
  traceId: z.string(),
});
export type UpstreamCallEvent = z.infer<typeof UpstreamCallEventSchema>;

export const BusEventSchema = z.discriminatedUnion('type', [UpstreamCallEventSchema]);
export type BusEvent = z.infer<typeof BusEventSchema>;
