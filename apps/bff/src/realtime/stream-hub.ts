// Topic-less broadcast hub for live streams: numbers each message, serialises it once, keeps a replay buffer.
import type { StreamMessage } from '@switchboard/shared/stream';

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
  publish(message: DistributiveOmit<StreamMessage, 'seq'>): Frame;
  /**
   * Adds a subscriber and first replays the buffered messages after `afterSeq` (all buffered
   * messages when omitted), so a chart starts with recent history and a resumed client misses nothing
   * still in the buffer. Returns the function that unsubscribes.
   */
  subscribe(subscriber: Subscriber, afterSeq?: number): () => void;
  /** Ends every subscriber's stream, e.g. at shutdown. */
  closeAll(code: number, reason: string): void;
  readonly size: number;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const encoder = new TextEncoder();

/** @example const hub = createStreamHub({ bufferSize: 120 }); hub.publish(sampler.flush()); */
export function createStreamHub(options: { bufferSize: number }): StreamHub {
  const subscribers = new Set<Subscriber>();
  const buffer: Frame[] = [];
  let seq = 0;

  return {
    publish(message) {
      seq += 1;
      const json = JSON.stringify({ ...message, seq });
      const frame: Frame = { seq, json, sse: encoder.encode(`id: ${seq}\ndata: ${json}\n\n`) };
      buffer.push(frame);
      if (buffer.length > options.bufferSize) buffer.shift();
      for (const subscriber of subscribers) subscriber.send(frame);
      return frame;
    },
    subscribe(subscriber, afterSeq) {
      for (const frame of buffer) {
        if (afterSeq === undefined || frame.seq > afterSeq) subscriber.send(frame);
      }
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
    closeAll(code, reason) {
      for (const subscriber of subscribers) subscriber.close(code, reason);
      subscribers.clear();
    },
    get size() {
      return subscribers.size;
    },
  };
}
