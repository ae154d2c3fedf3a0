// Messages carried by the live streams (SSE at /api/stream and WebSocket at /api/ws): same bytes on both.
import { z } from 'zod';
import { NameSchema } from './upstreams';

/** One integration's figures over one second. Latency fields are null when it made no calls. */
export const IntegrationSampleSchema = z.object({
  integration: NameSchema,
  calls: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  latencyMs: z
    .object({
      p50: z.number().nonnegative(),
      p95: z.number().nonnegative(),
      max: z.number().nonnegative(),
    })
    .nullable(),
});
export type IntegrationSample = z.infer<typeof IntegrationSampleSchema>;

/** Published once a second on the `integrations` topic. */
export const SampleMessageSchema = z.object({
  type: z.literal('integrations.sample'),
  seq: z.number().int().positive(),
  topic: z.literal('integrations'),
  /** Start of the one-second window, epoch milliseconds. */
  at: z.number(),
  samples: z.array(IntegrationSampleSchema),
});
export type SampleMessage = z.infer<typeof SampleMessageSchema>;

/**
 * First message on every connection. `epoch` names this run of the server: sequence numbers are only
 * comparable within one epoch, so a client that sees a new epoch starts over instead of dropping
 * "old" numbers after a server restart.
 */
export const HelloMessageSchema = z.object({
  type: z.literal('hello'),
  epoch: z.string().regex(/^[0-9a-f]{16}$/),
  /** Latest sequence number the server has published. */
  seq: z.number().int().nonnegative(),
  serverTime: z.number(),
});
export type HelloMessage = z.infer<typeof HelloMessageSchema>;

export const StreamMessageSchema = z.discriminatedUnion('type', [
  HelloMessageSchema,
  SampleMessageSchema,
]);
export type StreamMessage = z.infer<typeof StreamMessageSchema>;

/** Messages that carry a sequence number and go through the replay buffer. */
export type SequencedMessage = Exclude<StreamMessage, HelloMessage>;

/**
 * A resume point, `<epoch>.<seq>`: the SSE event id (so `Last-Event-ID` carries it) and the
 * WebSocket `?resume=` parameter.
 */
export const formatResumePoint = (epoch: string, seq: number) => `${epoch}.${seq}`;

export function parseResumePoint(
  value: string | null | undefined,
): { epoch: string; seq: number } | undefined {
  const match = /^([0-9a-f]{16})\.(\d{1,15})$/.exec(value ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  return { epoch: match[1], seq: Number(match[2]) };
}
