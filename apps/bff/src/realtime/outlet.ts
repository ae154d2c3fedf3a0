// Per-subscriber flow control: writes shared frames while the client keeps up, keeps only the latest
// message per topic while it lags (conflation), drops it when it stays stuck, and reports how it goes.
import type { StatusMessage } from '@switchboard/shared/stream';
import { controlFrame, type Delivery, type Frame, type Subscriber } from './stream-hub';

/** What an outlet needs from a connection. */
export interface Transport {
  write(frame: Frame): void;
  /** Bytes written but not yet taken by the peer (WebSocket bufferedAmount, SSE queue size). */
  pending(): number;
  close(code: number, reason: string): void;
}

export interface FlowLimits {
  /** Past this many pending bytes, live messages are conflated (latest per topic) until it drains. */
  softBytes: number;
  /** Past this many pending bytes the connection is dropped (WebSocket 1013; SSE ends). */
  hardBytes: number;
  /** A client conflated for this long without draining is dropped too. */
  stallMs: number;
  /** While conflating: how often to check whether the client drained. */
  checkMs: number;
  /** While conflating: how often to send a `stream.status`. */
  statusMs: number;
}

export interface Outlet extends Subscriber {
  /** Writes a control frame (ping, pong, status, error) past the conflation. */
  control(frame: Frame): void;
  /** Forgets held messages, e.g. before a new subscription replays or snapshots afresh. */
  reset(): void;
  /** Adds sequence numbers lost to a resume older than the buffer, and reports them. */
  addDropped(count: number): void;
  status(): StatusMessage;
  dispose(): void;
}

/** Close code for a client dropped for being too slow: "try again later". */
export const slowClientCloseCode = 1013;

/**
 * @example
 * const outlet = createOutlet({ write: (f) => raw.send(f.bytes), pending: () => raw.bufferedAmount, close }, limits);
 * hub.subscribe(outlet);
 */
export function createOutlet(
  transport: Transport,
  limits: FlowLimits,
  now: () => number = Date.now,
): Outlet {
  /** Live messages held back while the client lags, latest per topic. */
  let held: Map<string, Frame> | undefined;
  let heldSince = 0;
  let lastStatusAt = 0;
  let merged = 0;
  let dropped = 0;
  let closed = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  const stopTimer = () => {
    clearInterval(timer);
    timer = undefined;
  };
  const status = (): StatusMessage => ({
    type: 'stream.status',
    lagMs: held ? Math.max(0, now() - heldSince) : 0,
    merged,
    dropped,
    queued: held?.size ?? 0,
    bufferedBytes: transport.pending(),
  });
  const sendStatus = (message = status()) => {
    lastStatusAt = now();
    transport.write(controlFrame(message, lastStatusAt));
  };
  const drop = () => {
    if (closed) return;
    closed = true;
    stopTimer();
    held = undefined;
    transport.close(slowClientCloseCode, 'try again later: the client fell too far behind');
  };
  const tooFarBehind = () =>
    transport.pending() > limits.hardBytes ||
    (held !== undefined && now() - heldSince > limits.stallMs);
  const check = () => {
    if (closed || !held) return stopTimer();
    if (tooFarBehind()) return drop();
    if (transport.pending() <= limits.softBytes) {
      const lagMs = Math.max(0, now() - heldSince);
      const frames = [...held.values()].sort((a, b) => a.seq - b.seq);
      held = undefined;
      stopTimer();
      for (const frame of frames) transport.write(frame);
      // Caught up: say how far behind it was and what it lost on the way.
      return sendStatus({ ...status(), lagMs });
    }
    if (now() - lastStatusAt >= limits.statusMs) sendStatus();
  };

  return {
    send(frame: Frame, delivery: Delivery) {
      if (closed) return;
      // Replays and snapshots are bounded by the buffer and must arrive whole.
      if (delivery !== 'live' || frame.topic === undefined) return transport.write(frame);
      if (!held && transport.pending() <= limits.softBytes) return transport.write(frame);
      if (!held) {
        held = new Map();
        heldSince = frame.publishedAt;
        timer = setInterval(check, limits.checkMs);
        sendStatus();
      }
      if (held.has(frame.topic)) merged += 1;
      held.set(frame.topic, frame);
      if (tooFarBehind()) drop();
    },
    close(code, reason) {
      if (closed) return;
      closed = true;
      stopTimer();
      transport.close(code, reason);
    },
    control(frame) {
      if (!closed) transport.write(frame);
    },
    reset() {
      held = undefined;
      stopTimer();
    },
    addDropped(count) {
      if (count <= 0 || closed) return;
      dropped += count;
      sendStatus();
    },
    status,
    dispose() {
      closed = true;
      held = undefined;
      stopTimer();
    },
  };
}
