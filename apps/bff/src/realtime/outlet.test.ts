import { StatusMessageSchema, type SampleMessage } from '@switchboard/shared/stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOutlet, slowClientCloseCode, type FlowLimits } from './outlet';
import { createStreamHub, type Frame } from './stream-hub';

const limits: FlowLimits = {
  softBytes: 1_000,
  hardBytes: 10_000,
  stallMs: 5_000,
  checkMs: 10,
  statusMs: 100,
};

const sample = (at: number): Omit<SampleMessage, 'seq'> => ({
  type: 'integrations.sample',
  topic: 'integrations',
  at,
  samples: [],
});

/** A connection whose untaken bytes the test sets by hand. */
function fakeTransport() {
  const written: Frame[] = [];
  const closes: number[] = [];
  const state = { pending: 0 };
  return {
    written,
    closes,
    state,
    transport: {
      write: (frame: Frame) => written.push(frame),
      pending: () => state.pending,
      close: (code: number) => closes.push(code),
    },
    seqs: () => written.filter((f) => f.seq > 0).map((f) => f.seq),
    statuses: () =>
      written
        .filter((f) => f.json.includes('"stream.status"'))
        .map((f) => StatusMessageSchema.parse(JSON.parse(f.json))),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createOutlet', () => {
  it('writes live messages while the client keeps up, and keeps the latest per topic while it lags', () => {
    vi.useFakeTimers();
    let clock = 0;
    const hub = createStreamHub({ bufferSize: 100, now: () => clock });
    const conn = fakeTransport();
    const outlet = createOutlet(conn.transport, limits, () => clock);
    hub.subscribe(outlet);
    hub.publish(sample(1)); // 1
    conn.state.pending = 5_000; // past the soft limit
    clock = 10;
    hub.publish(sample(2)); // 2: held
    hub.publish(sample(3)); // 3: replaces 2
    hub.publish({
      type: 'integration.sample',
      topic: 'integration:users',
      at: 4,
      sample: { integration: 'users', calls: 1, errors: 0, latencyMs: null },
    }); // 4: held
    expect(conn.seqs()).toEqual([1]);
    expect(outlet.status()).toMatchObject({ merged: 1, queued: 2 });
    clock = 210;
    vi.advanceTimersByTime(limits.statusMs);
    expect(conn.statuses().at(-1)).toMatchObject({ merged: 1, queued: 2, lagMs: 200 });

    conn.state.pending = 0; // drained
    vi.advanceTimersByTime(limits.checkMs);
    expect(conn.seqs()).toEqual([1, 3, 4]);
    expect(conn.statuses().at(-1)).toMatchObject({ merged: 1, queued: 0, lagMs: 200 });
    hub.publish(sample(5));
    expect(conn.seqs()).toEqual([1, 3, 4, 5]);
  });

  it('drops a client past the hard limit, or stuck for longer than the stall limit', () => {
    vi.useFakeTimers();
    let clock = 0;
    const hub = createStreamHub({ bufferSize: 100, now: () => clock });
    const big = fakeTransport();
    hub.subscribe(createOutlet(big.transport, limits, () => clock));
    big.state.pending = 20_000;
    hub.publish(sample(1));
    expect(big.closes).toEqual([slowClientCloseCode]);

    const stuck = fakeTransport();
    hub.subscribe(createOutlet(stuck.transport, limits, () => clock));
    stuck.state.pending = 2_000;
    hub.publish(sample(2));
    expect(stuck.closes).toEqual([]);
    clock = limits.stallMs + 1;
    vi.advanceTimersByTime(limits.checkMs);
    expect(stuck.closes).toEqual([slowClientCloseCode]);
  });

  it('never conflates a replay or a snapshot', () => {
    const hub = createStreamHub({ bufferSize: 100 });
    for (let i = 1; i <= 5; i++) hub.publish(sample(i));
    const conn = fakeTransport();
    conn.state.pending = 50_000;
    const outlet = createOutlet(conn.transport, { ...limits, hardBytes: 100_000 }, Date.now);
    hub.subscribe(outlet, { resume: { epoch: hub.epoch, seq: 1 } });
    expect(conn.seqs()).toEqual([2, 3, 4, 5]);
    outlet.dispose();
  });
});
