import type { SequencedMessage } from '@switchboard/shared/stream';
import { describe, expect, it } from 'vitest';
import { createLiveStream, type LiveStreamOptions, type StreamHealth } from './live-stream';
import { createTestPlatform, epochA, epochB, hello, one, sample } from './test-platform';

function setup(extra: Partial<LiveStreamOptions> = {}) {
  const t = createTestPlatform();
  const live = createLiveStream({
    wsUrl: 'ws://x/api/ws',
    sseUrl: '/api/stream',
    platform: t.platform,
    wsAttemptsBeforeFallback: 2,
    backoff: { baseMs: 500, maxMs: 10_000 },
    wsRetryWhileFallbackMs: 5_000,
    // Staleness is tested on its own; elsewhere a quiet test is not a dead connection.
    staleAfterMs: 600_000,
    ...extra,
  });
  const health: StreamHealth[] = [];
  live.health$.subscribe((h) => health.push(h));
  return { ...t, live, health, state: () => health.at(-1) };
}

/** Subscribes to every topic and collects the sequence numbers delivered. */
function collectAll(t: ReturnType<typeof setup>) {
  const received: number[] = [];
  const subscription = t.live.messages$.subscribe((m: SequencedMessage) => received.push(m.seq));
  return { received, subscription };
}

const integrations = encodeURIComponent('integrations');

describe('createLiveStream: reconnect and resume', () => {
  it('delivers each sequenced message once, in order, and resumes a cleanly closed socket from the last one', () => {
    const t = setup();
    const { received } = collectAll(t);
    const first = t.socket();
    expect(first.url).toBe('ws://x/api/ws');
    first.open();
    first.receive(hello(epochA, 0, { sync: 'snapshot' }));
    first.receive(sample(1));
    first.receive(sample(2));
    first.receive(sample(2));
    first.receiveRaw('not json');
    first.receive({ type: 'integrations.sample', seq: 3 }); // fails the schema: ignored
    // A clean close completes an rxjs WebSocketSubject: it must still reconnect.
    first.serverClose(1001);
    expect(t.state()?.state).toBe('reconnecting');
    expect(t.sockets).toHaveLength(1);
    // Decorrelated jitter: between base and three times base (random 0.5 -> 1000 ms).
    t.advance(999);
    expect(t.sockets).toHaveLength(1);
    t.advance(1);
    const second = t.socket();
    expect(second.url).toBe(`ws://x/api/ws?resume=${epochA}.2`);
    second.open();
    second.receive(hello(epochA, 3, { sync: 'replay' }));
    second.receive(sample(2)); // replayed overlap: dropped by number
    second.receive(sample(3));
    expect(received).toEqual([1, 2, 3]);
    // Counters are republished once a second (an indicator need not render per message).
    t.advance(1_000);
    expect(t.state()).toMatchObject({
      state: 'live',
      transport: 'websocket',
      lastSeq: 3,
      delivered: 3,
      reconnects: 1,
    });
  });

  it('backs off further after each failed attempt, and starts over once a socket has stayed up', () => {
    const t = setup({ wsAttemptsBeforeFallback: 10, stableAfterMs: 5_000 });
    collectAll(t);
    const delays: number[] = [];
    /** How long until the next socket is created, in half-millisecond steps. */
    const waitForSocket = () => {
      const count = t.sockets.length;
      let waited = 0;
      while (t.sockets.length === count && waited < 60_000) {
        t.advance(0.5);
        waited += 0.5;
      }
      return waited;
    };
    for (let i = 0; i < 4; i++) {
      t.socket().fail();
      delays.push(waitForSocket());
    }
    // random 0.5: 500 + 0.5 * (3d - 500) with d the previous delay (500 at first).
    expect(delays).toEqual([1_000, 1_750, 2_875, 4_562.5]);
    t.socket().open();
    t.advance(5_000);
    t.socket().serverClose(1001);
    expect(waitForSocket()).toBe(1_000);
  });

  it('starts over when the server restarted (new epoch) instead of dropping its low numbers', () => {
    const t = setup();
    const { received } = collectAll(t);
    const first = t.socket();
    first.open();
    first.receive(hello(epochA));
    first.receive(sample(7));
    first.receive(hello(epochB));
    first.receive(sample(1));
    expect(received).toEqual([7, 1]);
  });

  it('after a snapshot, resumes after the hello’s number rather than replaying older history', () => {
    const t = setup();
    const { received } = collectAll(t);
    t.socket().open();
    t.socket().receive(hello(epochA, 40, { sync: 'snapshot' }));
    t.socket().receive(sample(12, { snapshot: true }));
    t.socket().receive(one(30, 'users', { snapshot: true }));
    t.socket().fail();
    t.advance(1_000);
    expect(t.socket().url).toBe(`ws://x/api/ws?resume=${epochA}.40`);
    expect(received).toEqual([12, 30]);
  });

  it('asks whether the session stands when the server closes with 1008, and stops if it does not', async () => {
    const checks: Array<(valid: boolean) => void> = [];
    const t = setup({
      checkSession: () => new Promise<boolean>((resolve) => checks.push(resolve)),
    });
    collectAll(t);
    t.socket().open();
    t.socket().serverClose(1008);
    expect(checks).toHaveLength(1);
    checks[0]?.(false);
    await Promise.resolve();
    t.advance(60_000);
    expect(t.sockets).toHaveLength(1);
    expect(t.sources).toHaveLength(0);
    expect(t.pendingTimers()).toEqual([]);
  });

  it('reconnects after a 1008 when the session still stands (it was renewed)', async () => {
    const t = setup({ checkSession: () => Promise.resolve(true) });
    collectAll(t);
    t.socket().open();
    t.socket().serverClose(1008);
    await Promise.resolve();
    t.advance(1_000);
    expect(t.sockets).toHaveLength(2);
  });
});

describe('createLiveStream: WebSocket to SSE and back', () => {
  it('falls back to SSE when the socket cannot open, then returns to the socket once it can', () => {
    const t = setup();
    const { received } = collectAll(t);
    t.socket().fail();
    t.advance(1_000);
    t.socket().fail();
    const source = t.source();
    expect(t.state()).toMatchObject({ state: 'reconnecting', transport: 'sse' });
    source.open();
    expect(t.state()).toMatchObject({ state: 'live', transport: 'sse' });
    source.receive(hello(epochA, 0, { sync: 'snapshot' }));
    source.receive(sample(1));
    source.receive(sample(2));
    // First try of the socket after 5-15 s (random 0.5: 10 s); it still fails: SSE carries on.
    t.advance(10_000);
    expect(t.sockets).toHaveLength(3);
    t.socket().fail();
    expect(source.closed).toBe(false);
    expect(t.state()).toMatchObject({ state: 'live', transport: 'sse' });
    source.receive(sample(3));
    // The next try waits longer; this one opens, resuming from what SSE delivered.
    t.advance(17_500);
    expect(t.sockets).toHaveLength(4);
    const back = t.socket();
    expect(back.url).toBe(`ws://x/api/ws?resume=${epochA}.3`);
    source.receive(sample(4)); // SSE still delivers while the socket connects
    back.open();
    expect(source.closed).toBe(true);
    expect(t.state()).toMatchObject({ state: 'live', transport: 'websocket' });
    back.receive(hello(epochA, 5, { sync: 'replay' }));
    back.receive(sample(4)); // carried by both: once only
    back.receive(sample(5));
    expect(received).toEqual([1, 2, 3, 4, 5]);
  });

  it('falls back when the socket opens but keeps closing at once (a proxy that drops it)', () => {
    const t = setup({ stableAfterMs: 5_000 });
    collectAll(t);
    t.socket().open();
    t.advance(100);
    t.socket().serverClose(1000);
    t.advance(1_000);
    t.socket().open();
    t.advance(100);
    t.socket().serverClose(1011);
    expect(t.sources).toHaveLength(1);
    expect(t.state()?.transport).toBe('sse');
  });

  it('reconnects SSE itself when the server refused it, with backoff', () => {
    const t = setup({ wsAttemptsBeforeFallback: 1 });
    collectAll(t);
    t.socket().fail();
    t.source().open();
    t.source().receive(hello(epochA, 0));
    t.source().receive(sample(9));
    t.source().refuse();
    expect(t.sources).toHaveLength(1);
    t.advance(1_000);
    expect(t.sources).toHaveLength(2);
    expect(t.source().url).toBe(`/api/stream?resume=${epochA}.9`);
  });
});

describe('createLiveStream: retry hints', () => {
  it('reconnects at once when the browser is back online instead of waiting out the backoff', () => {
    const t = setup({ wsAttemptsBeforeFallback: 10, backoff: { baseMs: 5_000, maxMs: 60_000 } });
    collectAll(t);
    expect(t.hintListeners()).toBe(1);
    t.socket().fail();
    expect(t.sockets).toHaveLength(1);
    t.hint();
    expect(t.sockets).toHaveLength(2);
    // The backoff timer it replaced is gone: no second socket when it would have fired.
    t.advance(20_000);
    expect(t.sockets).toHaveLength(2);
  });

  it('tries the socket at once while on SSE, and stops listening once nothing is watched', () => {
    const t = setup({ lingerMs: 0 });
    const { subscription } = collectAll(t);
    t.socket().fail();
    t.advance(1_000);
    t.socket().fail();
    t.source().open();
    t.hint();
    expect(t.sockets).toHaveLength(3);
    t.socket().open();
    expect(t.source().closed).toBe(true);
    subscription.unsubscribe();
    t.advance(1);
    expect(t.hintListeners()).toBe(0);
  });
});

describe('createLiveStream: topics', () => {
  it('shares one observable per topic and subscribes the connection to the union of watched topics', () => {
    const t = setup({ lingerMs: 1_000 });
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    const payments = t.live.topic$('integration:payments');
    expect(t.live.topic$('integration:payments')).toBe(payments);
    const s1 = payments.subscribe((m) => a.push(m.seq));
    const s2 = payments.subscribe((m) => b.push(m.seq));
    const socket = t.socket();
    expect(t.sockets).toHaveLength(1);
    expect(socket.url).toBe(`ws://x/api/ws?topics=${encodeURIComponent('integration:payments')}`);
    socket.open();
    socket.receive(hello(epochA, 10, { sync: 'snapshot', topics: ['integration:payments'] }));
    socket.receive(one(8, 'payments', { snapshot: true }));
    socket.receive(one(11, 'payments'));

    // A second topic: one `subscribe` for the new union, without a resume point (a snapshot).
    const s3 = t.live.topic$('integrations').subscribe((m) => c.push(m.seq));
    expect(socket.sent).toEqual([]);
    t.advance(0);
    expect(socket.messages()).toEqual([
      { type: 'subscribe', topics: ['integration:payments', 'integrations'] },
    ]);
    expect(t.state()?.topics).toEqual(['integration:payments', 'integrations']);
    socket.receive(hello(epochA, 12, { sync: 'snapshot' }));
    socket.receive(one(11, 'payments', { snapshot: true })); // already held: dropped
    socket.receive(sample(9, { snapshot: true })); // new topic's latest, older than others: delivered
    socket.receive(sample(13));
    socket.receive(one(14, 'payments'));
    expect(a).toEqual([8, 11, 14]);
    expect(b).toEqual([8, 11, 14]);
    expect(c).toEqual([9, 13]);

    // A late listener gets the topic's latest at once.
    const late: number[] = [];
    payments.subscribe((m) => late.push(m.seq)).unsubscribe();
    expect(late).toEqual([14]);

    // Dropping a topic (after the linger): a `subscribe` that resumes, so nothing in flight is lost.
    s1.unsubscribe();
    s2.unsubscribe();
    t.advance(999);
    expect(socket.sent).toHaveLength(1);
    t.advance(1);
    expect(socket.messages().at(-1)).toEqual({
      type: 'subscribe',
      topics: ['integrations'],
      resume: `${epochA}.14`,
    });

    // The last listener leaves: the socket closes after the linger, and nothing is left scheduled.
    s3.unsubscribe();
    t.advance(1_000);
    expect(socket.closed).toBe(false);
    t.advance(1_000);
    expect(socket.closed).toBe(true);
    expect(t.pendingTimers()).toEqual([]);
    expect(t.state()).toMatchObject({ state: 'connecting', transport: null });
  });

  it('keeps a topic through a quick unsubscribe and resubscribe (StrictMode, route changes)', () => {
    const t = setup({ lingerMs: 1_000 });
    t.live.topic$('integrations').subscribe().unsubscribe();
    t.live.topic$('integrations').subscribe();
    t.advance(5_000);
    expect(t.sockets).toHaveLength(1);
    expect(t.socket().closed).toBe(false);
  });

  it('sends the topics again when they changed while the socket was connecting', () => {
    const t = setup();
    t.live.topic$('integrations').subscribe();
    const socket = t.socket();
    expect(socket.url).toBe(`ws://x/api/ws?topics=${integrations}`);
    t.live.topic$('integration:users').subscribe();
    t.advance(0);
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(socket.messages()).toEqual([
      { type: 'subscribe', topics: ['integration:users', 'integrations'] },
    ]);
  });

  it('resubscribes with the current topics after a reconnect, not the ones it started with', () => {
    const t = setup();
    const first = t.live.topic$('integrations').subscribe();
    t.live.topic$('integration:users').subscribe();
    t.socket().open();
    t.socket().receive(hello(epochA, 0));
    t.socket().receive(sample(3));
    first.unsubscribe();
    t.advance(2_000);
    t.socket().fail();
    t.advance(1_000);
    expect(t.socket().url).toBe(
      `ws://x/api/ws?topics=${encodeURIComponent('integration:users')}&resume=${epochA}.3`,
    );
  });

  it('on SSE, reconnects with the new topics and resumes', () => {
    const t = setup({ wsAttemptsBeforeFallback: 1 });
    t.live.topic$('integrations').subscribe();
    t.socket().fail();
    const source = t.source();
    expect(source.url).toBe(`/api/stream?topics=${integrations}`);
    source.open();
    source.receive(hello(epochA, 0));
    source.receive(sample(5));
    t.live.topic$('integration:users').subscribe();
    t.advance(0);
    expect(source.closed).toBe(true);
    expect(t.source().url).toBe(
      `/api/stream?topics=${encodeURIComponent('integration:users,integrations')}&resume=${epochA}.5`,
    );
  });

  it('holds the connection on the `integrations` topic when nothing else is watched', () => {
    const t = setup();
    const release = t.live.hold();
    expect(t.socket().url).toBe(`ws://x/api/ws?topics=${integrations}`);
    const all = t.live.messages$.subscribe();
    t.socket().open();
    // Everything wanted: a subscribe without topics (every topic).
    expect(t.socket().messages()).toEqual([{ type: 'subscribe' }]);
    all.unsubscribe();
    release();
    t.advance(3_000);
    expect(t.socket().closed).toBe(true);
  });

  it('refuses an unknown topic', () => {
    const t = setup();
    expect(() => t.live.topic$('alerts')).toThrow(/unknown topic/);
  });
});

describe('createLiveStream: health', () => {
  it('turns stale without messages, pings the socket, and replaces a socket that stays silent', () => {
    const t = setup({ staleAfterMs: 5_000, deadAfterMs: 15_000 });
    collectAll(t);
    const socket = t.socket();
    socket.open();
    socket.receive(hello(epochA, 0));
    t.advance(3_000);
    expect(socket.messages()).toEqual([{ type: 'ping' }]);
    t.advance(3_000);
    expect(t.state()?.state).toBe('stale');
    socket.receive({ type: 'pong', serverTime: 1 });
    expect(t.state()?.state).toBe('live');
    t.advance(16_000);
    expect(socket.closed).toBe(true);
    expect(t.state()?.state).toBe('reconnecting');
    t.advance(1_000);
    expect(t.sockets).toHaveLength(2);
  });

  it('reports the lag and losses the server tells it', () => {
    const t = setup();
    collectAll(t);
    t.socket().open();
    t.socket().receive({
      type: 'stream.status',
      lagMs: 1_200,
      merged: 4,
      dropped: 2,
      queued: 1,
      bufferedBytes: 300_000,
    });
    expect(t.state()).toMatchObject({ lagMs: 1_200, merged: 4, dropped: 2 });
  });
});
