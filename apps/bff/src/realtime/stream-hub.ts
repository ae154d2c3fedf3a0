// Broadcast hub for live streams: numbers each message, serialises it once, keeps a replay buffer.
import {
  formatResumePoint,
  type HelloMessage,
  type SequencedMessage,
} from '@switchboard/shared/stream';
import { randomHex } from '../upstreams/trace';

/** One message in the two encodings the transports write; built once per broadcast, shared by all. */
export interface Frame {
  seq: number;
  json: string;
  sse: Uint8Array;
}

export interface Subscriber {
  send(frame: Frame): void;
  /** Ends the subscriber's stream; `code` follows WebSocket close codes (1001 going away, 1008 policy). */
  close(code: number, reason: string): void;
}

export interface StreamHub {
  /** Names this run of the hub; sequence numbers are comparable only within one epoch. */
  readonly epoch: string;
  publish(message: DistributiveOmit<SequencedMessage, 'seq'>): Frame;
  /**
   * Adds a subscriber: sends it a hello, then replays the buffered messages after `resume` when it
   * names this epoch, or the whole buffer otherwise (a fresh snapshot of recent history). Returns
   * the function that unsubscribes.
   */
  subscribe(subscriber: Subscriber, resume?: { epoch: string; seq: number }): () => void;
  /** Ends every subscriber's stream, e.g. at shutdown; later subscribers are ended at once. */
  closeAll(code: number, reason: string): void;
  readonly size: number;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const encoder = new TextEncoder();

function toFrame(epoch: string, seq: number, message: object): Frame {
  const json = JSON.stringify(message);
  return {
    seq,
    json,
    sse: encoder.encode(`id: ${formatResumePoint(epoch, seq)}\ndata: ${json}\n\n`),
  };
}

// The hello carries no SSE id: a connection dropped right after it must resume from the last
// message actually received, not from the server's latest number.
function helloFrame(hello: HelloMessage): Frame {
  const json = JSON.stringify(hello);
  return { seq: hello.seq, json, sse: encoder.encode(`data: ${json}\n\n`) };
}

/** @example const hub = createStreamHub({ bufferSize: 120 }); hub.publish(sampler.flush()); */
export function createStreamHub(options: { bufferSize: number; now?: () => number }): StreamHub {
  const epoch = randomHex(8);
  const now = options.now ?? Date.now;
  const subscribers = new Set<Subscriber>();
  const buffer: Frame[] = [];
  let seq = 0;
  let closedWith: { code: number; reason: string } | undefined;

  return {
    epoch,
    publish(message) {
      seq += 1;
      const frame = toFrame(epoch, seq, { ...message, seq });
      buffer.push(frame);
      if (buffer.length > options.bufferSize) buffer.shift();
      for (const subscriber of subscribers) subscriber.send(frame);
      return frame;
    },
    subscribe(subscriber, resume) {
      if (closedWith) {
        subscriber.close(closedWith.code, closedWith.reason);
        return () => {};
      }
      const hello: HelloMessage = { type: 'hello', epoch, seq, serverTime: now() };
      subscriber.send(helloFrame(hello));
      const after = resume?.epoch === epoch ? resume.seq : 0;
      for (const frame of buffer) if (frame.seq > after) subscriber.send(frame);
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
    closeAll(code, reason) {
      closedWith = { code, reason };
      for (const subscriber of subscribers) subscriber.close(code, reason);
      subscribers.clear();
    },
    get size() {
      return subscribers.size;
    },
  };
}
