// Broadcast hub for live streams: numbers each message, serialises it once, keeps a replay buffer
// and the latest message per topic, and hands each message only to the subscribers of its topic.
import {
  formatResumePoint,
  type ControlMessage,
  type HelloMessage,
  type SequencedMessage,
} from '@switchboard/shared/stream';
import { randomHex } from '../upstreams/trace';

/**
 * One message in the encodings the transports write; built once per broadcast, shared by all.
 * Control frames (hello, status, ping...) have `seq` 0 and no topic.
 */
export interface Frame {
  seq: number;
  topic: string | undefined;
  /** When the hub published it (epoch ms), for lag. */
  publishedAt: number;
  json: string;
  /** `json` as UTF-8: the payload of a WebSocket text frame, the same bytes for every socket. */
  bytes: Uint8Array;
  sse: Uint8Array;
}

/** How a frame reaches a subscriber: live, replayed after a resume point, or as a snapshot. */
export type Delivery = 'live' | 'replay' | 'snapshot';

export interface Subscriber {
  send(frame: Frame, delivery: Delivery): void;
  /** Ends the subscriber's stream; `code` follows WebSocket close codes (1001 going away, 1008 policy). */
  close(code: number, reason: string): void;
}

export interface SubscribeOptions {
  /** Topics to receive; absent means every topic. */
  topics?: readonly string[] | undefined;
  /** Replay what came after this point, when it names this epoch and is still buffered. */
  resume?: { epoch: string; seq: number } | undefined;
}

export interface Subscription {
  unsubscribe(): void;
  /** What the subscriber got after its hello. */
  sync: 'replay' | 'snapshot';
  /** Sequence numbers the subscriber missed and the buffer no longer holds (same epoch only). */
  dropped: number;
}

export interface StreamHub {
  /** Names this run of the hub; sequence numbers are comparable only within one epoch. */
  readonly epoch: string;
  publish(message: DistributiveOmit<SequencedMessage, 'seq'>): Frame;
  /**
   * Adds a subscriber: sends it a hello, then replays the buffered messages of its topics after
   * `resume` when that names this epoch and nothing after it has left the buffer; otherwise sends a
   * snapshot: the latest message of each of its topics, marked `snapshot: true`, in sequence order.
   * Then live messages of its topics.
   */
  subscribe(subscriber: Subscriber, options?: SubscribeOptions): Subscription;
  /** Ends every subscriber's stream, e.g. at shutdown; later subscribers are ended at once. */
  closeAll(code: number, reason: string): void;
  /** Latest sequence number published. */
  readonly seq: number;
  readonly size: number;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const encoder = new TextEncoder();

function sequencedFrame(
  epoch: string,
  seq: number,
  topic: string | undefined,
  json: string,
  publishedAt: number,
): Frame {
  return {
    seq,
    topic,
    publishedAt,
    json,
    bytes: encoder.encode(json),
    sse: encoder.encode(`id: ${formatResumePoint(epoch, seq)}\ndata: ${json}\n\n`),
  };
}

/**
 * A message that carries no sequence number (hello, status, ping, pong, error). No SSE id: a
 * connection dropped right after it must resume from the last sequenced message received.
 */
export function controlFrame(message: HelloMessage | ControlMessage, now = Date.now()): Frame {
  const json = JSON.stringify(message);
  return {
    seq: 0,
    topic: undefined,
    publishedAt: now,
    json,
    bytes: encoder.encode(json),
    sse: encoder.encode(`data: ${json}\n\n`),
  };
}

interface Latest {
  frame: Frame;
  /** The same message marked `snapshot: true`, serialised when first asked for. */
  snapshot?: Frame;
}

/** @example const hub = createStreamHub({ bufferSize: 1024 }); hub.publish(sampler.flush()); */
export function createStreamHub(options: { bufferSize: number; now?: () => number }): StreamHub {
  const epoch = randomHex(8);
  const now = options.now ?? Date.now;
  /** Subscribers of every topic, and subscribers by topic for the others. */
  const everything = new Set<Subscriber>();
  const byTopic = new Map<string, Set<Subscriber>>();
  const buffer: Frame[] = [];
  const latest = new Map<string, Latest>();
  const all = new Set<Subscriber>();
  let seq = 0;
  let closedWith: { code: number; reason: string } | undefined;

  const snapshotOf = (entry: Latest): Frame => {
    if (!entry.snapshot) {
      const { frame } = entry;
      // The message is a JSON object: append the mark instead of parsing and serialising again.
      const json = `${frame.json.slice(0, -1)},"snapshot":true}`;
      entry.snapshot = sequencedFrame(epoch, frame.seq, frame.topic, json, frame.publishedAt);
    }
    return entry.snapshot;
  };

  return {
    epoch,
    get seq() {
      return seq;
    },
    get size() {
      return all.size;
    },
    publish(message) {
      seq += 1;
      const json = JSON.stringify({ ...message, seq });
      const frame = sequencedFrame(epoch, seq, message.topic, json, now());
      buffer.push(frame);
      if (buffer.length > options.bufferSize) buffer.shift();
      latest.set(message.topic, { frame });
      for (const subscriber of everything) subscriber.send(frame, 'live');
      const topical = byTopic.get(message.topic);
      if (topical) for (const subscriber of topical) subscriber.send(frame, 'live');
      return frame;
    },
    subscribe(subscriber, { topics, resume } = {}) {
      if (closedWith) {
        subscriber.close(closedWith.code, closedWith.reason);
        return { unsubscribe: () => {}, sync: 'snapshot', dropped: 0 };
      }
      const wanted = topics && new Set(topics);
      const wants = (topic: string | undefined) =>
        topic !== undefined && (!wanted || wanted.has(topic));
      // Everything after `resume` is still buffered when the oldest buffered number follows it.
      const firstBuffered = buffer[0]?.seq ?? seq + 1;
      const sameEpoch = resume?.epoch === epoch && resume.seq <= seq;
      const canReplay = sameEpoch && resume.seq >= firstBuffered - 1;
      const dropped = sameEpoch && !canReplay ? firstBuffered - 1 - resume.seq : 0;
      const sync = canReplay ? 'replay' : 'snapshot';
      const hello: HelloMessage = {
        type: 'hello',
        epoch,
        seq,
        serverTime: now(),
        ...(wanted && { topics: [...wanted] }),
        sync,
      };
      subscriber.send(controlFrame(hello, now()), 'replay');
      if (canReplay) {
        for (const frame of buffer)
          if (frame.seq > resume.seq && wants(frame.topic)) subscriber.send(frame, 'replay');
      } else {
        const entries = wanted
          ? [...wanted].flatMap((topic) => latest.get(topic) ?? [])
          : [...latest.values()];
        entries.sort((a, b) => a.frame.seq - b.frame.seq);
        for (const entry of entries) subscriber.send(snapshotOf(entry), 'snapshot');
      }

      if (wanted) {
        for (const topic of wanted) {
          const set = byTopic.get(topic) ?? new Set();
          byTopic.set(topic, set.add(subscriber));
        }
      } else everything.add(subscriber);
      all.add(subscriber);
      return {
        sync,
        dropped,
        unsubscribe() {
          all.delete(subscriber);
          if (!wanted) return void everything.delete(subscriber);
          for (const topic of wanted) {
            const set = byTopic.get(topic);
            set?.delete(subscriber);
            if (set?.size === 0) byTopic.delete(topic);
          }
        },
      };
    },
    closeAll(code, reason) {
      closedWith = { code, reason };
      const closing = [...all];
      all.clear();
      everything.clear();
      byTopic.clear();
      for (const subscriber of closing) subscriber.close(code, reason);
    },
  };
}
