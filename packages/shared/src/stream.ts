// Messages carried by the live streams (SSE at /api/stream and WebSocket at /api/ws): same bytes on both.
import { z } from 'zod';
import { BreakerStateSchema } from './events';
import { ErrorKindSchema, NameSchema } from './upstreams';

// --- topics ---

/**
 * Every sequenced message belongs to one topic; clients subscribe to all topics or to chosen ones.
 * Families: `integrations` (all integrations, one message a second) and `integration:<name>` (one
 * integration). New families (metrics seconds, alerts, queue) are added here with their messages.
 */
export const topicFamilies = ['integrations', 'integration:'] as const;

export const TopicSchema = z
  .string()
  .max(80)
  .refine(
    (topic) =>
      topic === 'integrations' ||
      (topic.startsWith('integration:') &&
        NameSchema.safeParse(topic.slice('integration:'.length)).success),
    { message: 'unknown topic: use `integrations` or `integration:<name>`' },
  );
export type Topic = z.infer<typeof TopicSchema>;

/** The most topics one subscription may name. */
export const maxTopicsPerSubscription = 64;

export const TopicListSchema = z.array(TopicSchema).min(1).max(maxTopicsPerSubscription);

/**
 * `?topics=a,b` on /api/stream and /api/ws; absent means every topic.
 * @example parseTopicsParam('integrations,integration:users') // ['integrations', 'integration:users']
 */
export const TopicsParamSchema = z
  .string()
  .transform((value) => value.split(',').filter((t) => t !== ''))
  .pipe(TopicListSchema);

export const integrationTopic = (name: string) => `integration:${name}`;

// --- sequenced messages: numbered by the hub, kept in its replay buffer ---

/**
 * Marks a message sent as part of a snapshot (the latest message of a topic, sent when a client
 * subscribes without a usable resume point). Clients take a snapshot message as current state even
 * when its `seq` is below one already seen (a quiet topic's latest message can be old).
 */
const snapshotField = { snapshot: z.literal(true).optional() };

/** One integration's figures over one second. Latency fields are null when it made no calls. */
export const IntegrationSampleSchema = z.object({
  integration: NameSchema,
  calls: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  latencyMs: z
    .object({
      p50: z.number().nonnegative(),
      p95: z.number().nonnegative(),
      p99: z.number().nonnegative().optional(),
      max: z.number().nonnegative(),
    })
    .nullable(),
  /** Errors in the second by kind (absent from older servers). */
  errorsByKind: z.partialRecord(ErrorKindSchema, z.number().int().nonnegative()).optional(),
  /** Attempts beyond the first. */
  retries: z.number().int().nonnegative().optional(),
  /** Calls answered from the cache (fresh or stale). */
  cacheHits: z.number().int().nonnegative().optional(),
  /** Calls by the integration that answered (differs after failover). */
  providers: z.record(NameSchema, z.number().int().nonnegative()).optional(),
  /** Live state at the end of the second, so tiles follow breakers and operator switches. */
  state: z
    .object({
      breaker: BreakerStateSchema,
      forced: z.enum(['open', 'closed']).nullable(),
      distanceToTrip: z.number().int().nonnegative().nullable(),
      rateLimitHeadroom: z.number().min(0).max(1),
      enabled: z.boolean(),
      /** `backup` when any operation is pinned to its backup provider. */
      provider: z.enum(['automatic', 'backup']),
    })
    .optional(),
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
  ...snapshotField,
});
export type SampleMessage = z.infer<typeof SampleMessageSchema>;

/** The same second for one integration, on its `integration:<name>` topic. */
export const IntegrationSampleMessageSchema = z.object({
  type: z.literal('integration.sample'),
  seq: z.number().int().positive(),
  topic: TopicSchema,
  /** Start of the one-second window, epoch milliseconds. */
  at: z.number(),
  sample: IntegrationSampleSchema,
  ...snapshotField,
});
export type IntegrationSampleMessage = z.infer<typeof IntegrationSampleMessageSchema>;

/** Messages that carry a sequence number and a topic, and go through the replay buffer. */
export const SequencedMessageSchema = z.discriminatedUnion('type', [
  SampleMessageSchema,
  IntegrationSampleMessageSchema,
]);
export type SequencedMessage = z.infer<typeof SequencedMessageSchema>;

/**
 * First message on every connection, and again on a WebSocket after each `subscribe` or `resume`
 * the client sends. `epoch` names this run of the server: sequence numbers are only comparable
 * within one epoch, so a client that sees a new epoch starts over instead of dropping "old" numbers
 * after a server restart.
 */
export const HelloMessageSchema = z.object({
  type: z.literal('hello'),
  epoch: z.string().regex(/^[0-9a-f]{16}$/),
  /** Latest sequence number the server has published. */
  seq: z.number().int().nonnegative(),
  serverTime: z.number(),
  /** The topics this connection receives; absent means every topic. */
  topics: z.array(TopicSchema).optional(),
  /** What follows the hello: a replay of missed messages, or a snapshot (latest per topic). */
  sync: z.enum(['replay', 'snapshot']).optional(),
});
export type HelloMessage = z.infer<typeof HelloMessageSchema>;

/** The hello and the sequenced messages: what a console delivers in order, once each. */
export const StreamMessageSchema = z.discriminatedUnion('type', [
  HelloMessageSchema,
  SampleMessageSchema,
  IntegrationSampleMessageSchema,
]);
export type StreamMessage = z.infer<typeof StreamMessageSchema>;

// --- control messages: per connection, no sequence number, never replayed ---

/**
 * How this connection keeps up, sent when it changes: while the client lags and when it has caught
 * up. A client that reads too slowly gets only the latest message per topic until it drains
 * (`merged` counts the ones skipped); one that stays stuck is closed (WebSocket 1013, SSE ends) and
 * resumes on reconnect.
 */
export const StatusMessageSchema = z.object({
  type: z.literal('stream.status'),
  /** How long messages have been held back for this client (0 when it keeps up). */
  lagMs: z.number().nonnegative(),
  /** Messages replaced by a newer one of the same topic before this client could take them. */
  merged: z.number().int().nonnegative(),
  /** Sequence numbers this client missed and cannot get back (a resume older than the buffer). */
  dropped: z.number().int().nonnegative(),
  /** Messages held back right now, waiting for the client to drain. */
  queued: z.number().int().nonnegative(),
  /** Bytes written but not yet taken by the client's connection. */
  bufferedBytes: z.number().int().nonnegative(),
});
export type StatusMessage = z.infer<typeof StatusMessageSchema>;

/** Sent by the server every 15 s over WebSocket (SSE uses comment lines); no answer needed. */
export const PingMessageSchema = z.object({ type: z.literal('ping'), serverTime: z.number() });
/** The server's answer to a client's `{ "type": "ping" }`. */
export const PongMessageSchema = z.object({ type: z.literal('pong'), serverTime: z.number() });
/** A client message the server could not take; the connection stays open. */
export const StreamErrorMessageSchema = z.object({
  type: z.literal('error'),
  code: z.enum(['invalid_message', 'invalid_topics', 'invalid_resume']),
  message: z.string(),
});

export const ControlMessageSchema = z.discriminatedUnion('type', [
  StatusMessageSchema,
  PingMessageSchema,
  PongMessageSchema,
  StreamErrorMessageSchema,
]);
export type ControlMessage = z.infer<typeof ControlMessageSchema>;

/** Everything a server may send on a stream. */
export const ServerMessageSchema = z.union([StreamMessageSchema, ControlMessageSchema]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

// --- resume points ---

const resumePointPattern = /^([0-9a-f]{16})\.(\d{1,15})$/;

export const ResumePointSchema = z
  .string()
  .regex(resumePointPattern, 'use the id of the last message received: <epoch>.<seq>');

/**
 * A resume point, `<epoch>.<seq>`: the SSE event id (so `Last-Event-ID` carries it) and the
 * WebSocket `?resume=` parameter or `resume` message.
 */
export const formatResumePoint = (epoch: string, seq: number) => `${epoch}.${seq}`;

export function parseResumePoint(
  value: string | null | undefined,
): { epoch: string; seq: number } | undefined {
  const match = resumePointPattern.exec(value ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  return { epoch: match[1], seq: Number(match[2]) };
}

// --- what a WebSocket client may send ---

/**
 * Client → server over WebSocket, one JSON object per text frame. `subscribe` replaces the topic set
 * (absent `topics` = every topic) and may carry a resume point; `resume` keeps the topics and
 * replays after `from`. Both are answered with a new `hello`, then a replay or a snapshot.
 */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    topics: TopicListSchema.optional(),
    resume: ResumePointSchema.optional(),
  }),
  z.strictObject({ type: z.literal('resume'), from: ResumePointSchema }),
  z.strictObject({ type: z.literal('ping') }),
  z.strictObject({ type: z.literal('pong') }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
