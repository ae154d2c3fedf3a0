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

export const StreamMessageSchema = z.discriminatedUnion('type', [SampleMessageSchema]);
export type StreamMessage = z.infer<typeof StreamMessageSchema>;

export const streamTopics = ['integrations'] as const;
export type StreamTopic = (typeof streamTopics)[number];
