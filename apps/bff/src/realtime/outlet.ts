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
 * One per connection, so it is a class: its methods live on the prototype instead of a dozen
 * closures per subscriber (thousands of connections; decision 018).
 */
class FlowOutlet implements Outlet {
  /** Live messages held back while the client lags, latest per topic. */
  private held: Map<string, Frame> | undefined;
  private heldSince = 0;
  private lastStatusAt = 0;
  private merged = 0;
  private dropped = 0;
  private closed = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly limits: FlowLimits,
    private readonly now: () => number,
  ) {}

  private stopTimer() {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  status(): StatusMessage {
    return {
      type: 'stream.status',
      lagMs: this.held ? Math.max(0, this.now() - this.heldSince) : 0,
      merged: this.merged,
      dropped: this.dropped,
      queued: this.held?.size ?? 0,
      bufferedBytes: this.transport.pending(),
    };
  }

  private sendStatus(message = this.status()) {
    this.lastStatusAt = this.now();
    this.transport.write(controlFrame(message, this.lastStatusAt));
  }

  private drop() {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    this.held = undefined;
    this.transport.close(slowClientCloseCode, 'try again later: the client fell too far behind');
  }

  private tooFarBehind() {
    return (
      this.transport.pending() > this.limits.hardBytes ||
      (this.held !== undefined && this.now() - this.heldSince > this.limits.stallMs)
    );
  }

  private check() {
    if (this.closed || !this.held) return this.stopTimer();
    if (this.tooFarBehind()) return this.drop();
    if (this.transport.pending() <= this.limits.softBytes) {
      const lagMs = Math.max(0, this.now() - this.heldSince);
      const frames = [...this.held.values()].sort((a, b) => a.seq - b.seq);
      this.held = undefined;
      this.stopTimer();
      for (const frame of frames) this.transport.write(frame);
      // Caught up: say how far behind it was and what it lost on the way.
      return this.sendStatus({ ...this.status(), lagMs });
    }
    if (this.now() - this.lastStatusAt >= this.limits.statusMs) this.sendStatus();
    return undefined;
  }

  send(frame: Frame, delivery: Delivery) {
    if (this.closed) return;
    // Replays and snapshots are bounded by the buffer and must arrive whole.
    if (delivery !== 'live' || frame.topic === undefined) return this.transport.write(frame);
    if (!this.held && this.transport.pending() <= this.limits.softBytes)
      return this.transport.write(frame);
    if (!this.held) {
      this.held = new Map();
      this.heldSince = frame.publishedAt;
      this.timer = setInterval(() => this.check(), this.limits.checkMs);
      this.sendStatus();
    }
    if (this.held.has(frame.topic)) this.merged += 1;
    this.held.set(frame.topic, frame);
    if (this.tooFarBehind()) this.drop();
  }

  close(code: number, reason: string) {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    this.transport.close(code, reason);
  }

  control(frame: Frame) {
    if (!this.closed) this.transport.write(frame);
  }

  reset() {
    this.held = undefined;
    this.stopTimer();
  }

  addDropped(count: number) {
    if (count <= 0 || this.closed) return;
    this.dropped += count;
    this.sendStatus();
  }

  dispose() {
    this.closed = true;
    this.held = undefined;
    this.stopTimer();
  }
}

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
  return new FlowOutlet(transport, limits, now);
}
