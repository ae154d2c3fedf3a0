// Test stand-ins for the browser's WebSocket and EventSource, driven by hand, and a virtual clock:
// the connection state machine is tested without a network or real time. The real transports are
// exercised in Chromium by e2e/tests/realtime.spec.ts.
import type { StreamPlatform } from './live-stream';

type Handler = ((event: never) => void) | null;

/** What both stand-ins share: the handlers a transport sets, opening, and receiving JSON. */
abstract class FakeEndpoint {
  readyState = 0;
  onopen: Handler = null;
  onmessage: Handler = null;
  onerror: Handler = null;
  closed = false;
  constructor(readonly url: string) {}
  protected fire(handler: Handler, event: unknown) {
    (handler as ((e: unknown) => void) | null)?.(event);
  }
  open() {
    this.readyState = 1;
    this.fire(this.onopen, {});
  }
  receive(message: unknown) {
    this.fire(this.onmessage, { data: JSON.stringify(message) });
  }
}

/** Enough of a WebSocket for rxjs's WebSocketSubject: readyState, handlers, send and close. */
export class FakeSocket extends FakeEndpoint {
  onclose: Handler = null;
  readonly sent: string[] = [];
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  receiveRaw(data: unknown) {
    this.fire(this.onmessage, { data });
  }
  /** The server closes the socket cleanly (rxjs completes the subject). */
  serverClose(code = 1000) {
    this.readyState = 3;
    this.fire(this.onclose, { code, wasClean: true, reason: '' });
  }
  /** The socket fails (cannot open, or the network dropped): an error, then close 1006. */
  fail() {
    this.readyState = 3;
    this.fire(this.onerror, {});
    this.fire(this.onclose, { code: 1006, wasClean: false, reason: '' });
  }
  /** The client messages sent, parsed. */
  messages(): unknown[] {
    return this.sent.map((s) => JSON.parse(s) as unknown);
  }
}

export class FakeSource extends FakeEndpoint {
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  /** The server refused the request (an HTTP error): EventSource gives up. */
  refuse() {
    this.readyState = 2;
    this.fire(this.onerror, {});
  }
}

interface Timer {
  at: number;
  fn: () => void;
}

export function createTestPlatform(random = () => 0.5) {
  const sockets: FakeSocket[] = [];
  const sources: FakeSource[] = [];
  const timers = new Set<Timer>();
  let now = 1_000_000;
  const hints = new Set<() => void>();
  const platform: StreamPlatform = {
    createWebSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
    createEventSource: (url) => {
      const source = new FakeSource(url);
      sources.push(source);
      return source as unknown as EventSource;
    },
    setTimeout: (fn, ms) => {
      const timer = { at: now + ms, fn };
      timers.add(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as Timer);
    },
    random,
    now: () => now,
    onRetryHint: (listener) => {
      hints.add(listener);
      return () => hints.delete(listener);
    },
  };
  /** Moves the clock forward, firing due timers in order (and the ones they set, if due). */
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of timers) if (t.at <= until && (!next || t.at < next.at)) next = t;
      if (!next) break;
      timers.delete(next);
      now = next.at;
      next.fn();
    }
    now = until;
  };
  const last = <T>(list: T[]): T => {
    const item = list.at(-1);
    if (item === undefined) throw new Error('none yet');
    return item;
  };
  return {
    platform,
    sockets,
    sources,
    advance,
    now: () => now,
    socket: () => last(sockets),
    source: () => last(sources),
    pendingTimers: () => [...timers].map((t) => t.at - now),
    /** The browser says a retry is worth it now (online again, tab visible). */
    hint: () => {
      for (const listener of [...hints]) listener();
    },
    hintListeners: () => hints.size,
  };
}

export const epochA = 'aaaaaaaaaaaaaaaa';
export const epochB = 'bbbbbbbbbbbbbbbb';

export const hello = (
  epoch: string,
  seq = 0,
  extra: { sync?: 'replay' | 'snapshot'; topics?: string[] } = {},
) => ({ type: 'hello', epoch, seq, serverTime: 0, ...extra });

export const sample = (seq: number, extra: Record<string, unknown> = {}) => ({
  type: 'integrations.sample',
  topic: 'integrations',
  at: seq,
  samples: [],
  seq,
  ...extra,
});

export const one = (seq: number, name: string, extra: Record<string, unknown> = {}) => ({
  type: 'integration.sample',
  topic: `integration:${name}`,
  at: seq,
  sample: { integration: name, calls: 1, errors: 0, latencyMs: null },
  seq,
  ...extra,
});
