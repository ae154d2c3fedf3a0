import type { SequencedMessage } from '@switchboard/shared/stream';
import { describe, expect, it } from 'vitest';
import {
  createLiveStream,
  type LiveStreamOptions,
  type StreamHealth,
  type StreamPlatform,
} from './live-stream';

// Hand-driven stand-ins for the browser's WebSocket and EventSource: a pure unit test of the
// connection state machine. The real transports are exercised in Chromium by the e2e suite.
class FakeSocket {
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e?: { code: number }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
  }
}
class FakeSource {
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: (() => void) | null = null;
  readyState = 0;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
  }
}

function setup(extra: Partial<LiveStreamOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const sources: FakeSource[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const platform: StreamPlatform = {
    createWebSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s as unknown as WebSocket;
    },
    createEventSource: (url) => {
      const s = new FakeSource(url);
      sources.push(s);
      return s as unknown as EventSource;
    },
    setTimeout: (fn, ms) => {
      const t = { fn, ms };
      timers.push(t);
      return t;
    },
    clearTimeout: (handle) => {
      const i = timers.indexOf(handle as { fn: () => void; ms: number });
      if (i >= 0) timers.splice(i, 1);
    },
    random: () => 0.5,
    now: () => 1,
  };
  const live = createLiveStream({
    wsUrl: 'ws://x/api/ws',
    sseUrl: '/api/stream',
    platform,
    wsAttemptsBeforeFallback: 2,
    ...extra,
  });
  const received: number[] = [];
  const health: StreamHealth[] = [];
  live.health$.subscribe((h) => health.push(h));
  const sub = live.messages$.subscribe((m: SequencedMessage) => received.push(m.seq));
  const runTimers = () => {
    const due = timers.splice(0);
    for (const t of due) t.fn();
  };
  return { sockets, sources, received, health, sub, runTimers, timers };
}

const hello = (epoch: string, seq = 0) =>
  JSON.stringify({ type: 'hello', epoch, seq, serverTime: 0 });
const sample = (seq: number) =>
  JSON.stringify({ type: 'integrations.sample', topic: 'integrations', at: seq, samples: [], seq });
const epochA = 'aaaaaaaaaaaaaaaa';
const epochB = 'bbbbbbbbbbbbbbbb';
const at = <T>(list: T[], i: number): T => {
  const item = list[i];
  if (item === undefined) throw new Error(`nothing at index ${i}`);
  return item;
};

describe('createLiveStream', () => {
  it('delivers each sequenced message once, in order, and resumes a dropped socket from the last one', () => {
    const t = setup();
    const first = at(t.sockets, 0);
    first.onopen?.();
    first.onmessage?.({ data: hello(epochA) });
    first.onmessage?.({ data: sample(1) });
    first.onmessage?.({ data: sample(2) });
    first.onmessage?.({ data: sample(2) });
    first.onmessage?.({ data: 'not json' });
    first.onclose?.();
    expect(t.health.at(-1)?.state).toBe('reconnecting');
    t.runTimers();
    const second = at(t.sockets, 1);
    expect(second.url).toBe(`ws://x/api/ws?resume=${epochA}.2`);
    second.onopen?.();
    second.onmessage?.({ data: hello(epochA, 3) });
    second.onmessage?.({ data: sample(3) });
    expect(t.received).toEqual([1, 2, 3]);
    expect(t.health.at(-1)).toMatchObject({ state: 'live', transport: 'websocket' });
  });

  it('starts over when the server restarted (new epoch) instead of dropping its low numbers', () => {
    const t = setup();
    const first = at(t.sockets, 0);
    first.onopen?.();
    first.onmessage?.({ data: hello(epochA) });
    first.onmessage?.({ data: sample(7) });
    first.onmessage?.({ data: hello(epochB) });
    first.onmessage?.({ data: sample(1) });
    expect(t.received).toEqual([7, 1]);
  });

  it('falls back to SSE when the socket cannot open, then returns to the socket once it can', () => {
    const t = setup();
    at(t.sockets, 0).onclose?.();
    t.runTimers();
    at(t.sockets, 1).onclose?.();
    const source = at(t.sources, 0);
    source.onopen?.();
    expect(t.health.at(-1)).toMatchObject({ state: 'live', transport: 'sse' });
    source.onmessage?.({ data: hello(epochA) });
    source.onmessage?.({ data: sample(1) });
    // The probe timer fires; the probe socket opens; the stream moves back to WebSocket.
    t.runTimers();
    const probe = at(t.sockets, 2);
    probe.onopen?.();
    expect(probe.closed).toBe(true);
    expect(source.closed).toBe(true);
    const back = at(t.sockets, 3);
    expect(back.url).toBe(`ws://x/api/ws?resume=${epochA}.1`);
    back.onopen?.();
    back.onmessage?.({ data: sample(2) });
    expect(t.received).toEqual([1, 2]);
    expect(t.health.at(-1)).toMatchObject({ state: 'live', transport: 'websocket' });
  });

  it('closes the connection when the last subscriber leaves', () => {
    const t = setup();
    const first = at(t.sockets, 0);
    first.onopen?.();
    t.sub.unsubscribe();
    expect(first.closed).toBe(true);
    first.onclose?.();
    expect(t.timers).toHaveLength(0);
  });

  it('asks whether the session stands when the server closes with 1008, and stops if it does not', async () => {
    const checks: Array<(valid: boolean) => void> = [];
    const t = setup({
      checkSession: () => new Promise<boolean>((resolve) => checks.push(resolve)),
    });
    const first = at(t.sockets, 0);
    first.onopen?.();
    first.onclose?.({ code: 1008 });
    expect(checks).toHaveLength(1);
    at(checks, 0)(false);
    await Promise.resolve();
    t.runTimers();
    expect(t.sockets).toHaveLength(1);
    expect(t.sources).toHaveLength(0);
  });

  it('reconnects after a 1008 when the session still stands (it was renewed)', async () => {
    const t = setup({ checkSession: () => Promise.resolve(true) });
    const first = at(t.sockets, 0);
    first.onopen?.();
    first.onclose?.({ code: 1008 });
    await Promise.resolve();
    t.runTimers();
    expect(t.sockets).toHaveLength(2);
  });
});
