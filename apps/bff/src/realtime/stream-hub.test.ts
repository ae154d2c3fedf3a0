import type { SampleMessage } from '@switchboard/shared/stream';
import { ServerMessageSchema } from '@switchboard/shared/stream';
import { describe, expect, it } from 'vitest';
import { createStreamHub, type Delivery, type Frame } from './stream-hub';

const sample = (at: number): Omit<SampleMessage, 'seq'> => ({
  type: 'integrations.sample',
  topic: 'integrations',
  at,
  samples: [],
});

const one = (name: string, at: number) => ({
  type: 'integration.sample' as const,
  topic: `integration:${name}`,
  at,
  sample: { integration: name, calls: at, errors: 0, latencyMs: null },
});

function collector() {
  const frames: Frame[] = [];
  const deliveries: Delivery[] = [];
  const closes: number[] = [];
  return {
    frames,
    deliveries,
    closes,
    send: (f: Frame, d: Delivery) => {
      frames.push(f);
      deliveries.push(d);
    },
    close: (code: number) => closes.push(code),
    messages: () => frames.map((f) => ServerMessageSchema.parse(JSON.parse(f.json))),
    types: () => frames.map((f) => ServerMessageSchema.parse(JSON.parse(f.json)).type),
    seqs: () => frames.slice(1).map((f) => f.seq),
  };
}

describe('createStreamHub', () => {
  it('greets each subscriber, numbers messages and shares one serialisation among subscribers', () => {
    const hub = createStreamHub({ bufferSize: 10, now: () => 42 });
    const a = collector();
    const b = collector();
    hub.subscribe(a);
    hub.subscribe(b);
    hub.publish(sample(1));
    hub.publish(sample(2));
    expect(a.types()).toEqual(['hello', 'integrations.sample', 'integrations.sample']);
    expect(JSON.parse(a.frames[0]?.json ?? '')).toEqual({
      type: 'hello',
      epoch: hub.epoch,
      seq: 0,
      serverTime: 42,
      sync: 'snapshot',
    });
    expect(a.seqs()).toEqual([1, 2]);
    // No id on the hello: resuming from it would skip messages not yet received.
    expect(new TextDecoder().decode(a.frames[0]?.sse)).toMatch(/^data: \{"type":"hello"/);
    expect(a.frames[1]).toBe(b.frames[1]);
    expect(new TextDecoder().decode(a.frames[1]?.bytes)).toBe(a.frames[1]?.json);
    expect(JSON.parse(a.frames[2]?.json ?? '')).toMatchObject({ seq: 2, at: 2 });
    expect(new TextDecoder().decode(a.frames[1]?.sse)).toBe(
      `id: ${hub.epoch}.1\ndata: ${a.frames[1]?.json}\n\n`,
    );
  });

  it('sends a new subscriber a snapshot: the latest message per topic, marked, in sequence order', () => {
    const hub = createStreamHub({ bufferSize: 100 });
    hub.publish(one('users', 1)); // 1
    hub.publish(sample(1)); // 2
    hub.publish(one('email', 1)); // 3
    hub.publish(one('users', 2)); // 4
    const all = collector();
    hub.subscribe(all);
    expect(all.seqs()).toEqual([2, 3, 4]);
    expect(all.deliveries.slice(1)).toEqual(['snapshot', 'snapshot', 'snapshot']);
    for (const m of all.messages().slice(1)) expect(m).toMatchObject({ snapshot: true });
    const users = collector();
    hub.subscribe(users, { topics: ['integration:users', 'integration:nobody'] });
    expect(users.seqs()).toEqual([4]);
    expect(users.messages()[0]).toMatchObject({
      type: 'hello',
      topics: ['integration:users', 'integration:nobody'],
    });
    // The snapshot frame is built once and shared, like a live one.
    expect(users.frames[1]).toBe(all.frames[3]);
  });

  it('replays exactly the missed messages of the subscribed topics while they are buffered', () => {
    const hub = createStreamHub({ bufferSize: 4 });
    for (let i = 1; i <= 3; i++) {
      hub.publish(sample(i)); // 1, 3, 5
      hub.publish(one('users', i)); // 2, 4, 6
    }
    const resumed = collector();
    const { sync, dropped } = hub.subscribe(resumed, {
      topics: ['integrations'],
      resume: { epoch: hub.epoch, seq: 3 },
    });
    expect({ sync, dropped }).toEqual({ sync: 'replay', dropped: 0 });
    expect(resumed.seqs()).toEqual([5]);
    expect(resumed.deliveries.slice(1)).toEqual(['replay']);

    // Seq 2 left the buffer (3..6 remain): a resume from 1 cannot be replayed, so a snapshot.
    const tooOld = collector();
    const old = hub.subscribe(tooOld, { resume: { epoch: hub.epoch, seq: 1 } });
    expect(old).toMatchObject({ sync: 'snapshot', dropped: 1 });
    expect(tooOld.seqs()).toEqual([5, 6]);

    const otherEpoch = collector();
    const other = hub.subscribe(otherEpoch, { resume: { epoch: '0123456789abcdef', seq: 4 } });
    expect(other).toMatchObject({ sync: 'snapshot', dropped: 0 });
    expect(otherEpoch.seqs()).toEqual([5, 6]);

    hub.publish(sample(4)); // 7
    hub.publish(one('users', 4)); // 8
    expect(resumed.seqs()).toEqual([5, 7]);
    expect(otherEpoch.seqs()).toEqual([5, 6, 7, 8]);
  });

  it('stops sending after unsubscribe and closes everyone on closeAll', () => {
    const hub = createStreamHub({ bufferSize: 3 });
    const a = collector();
    const b = collector();
    const c = collector();
    const subscription = hub.subscribe(a);
    hub.subscribe(b);
    hub.subscribe(c, { topics: ['integrations'] });
    subscription.unsubscribe();
    hub.publish(sample(1));
    expect(a.frames).toHaveLength(1);
    expect(hub.size).toBe(2);
    hub.closeAll(1001, 'bye');
    expect(b.closes).toEqual([1001]);
    expect(c.closes).toEqual([1001]);
    expect(hub.size).toBe(0);
    const late = collector();
    hub.subscribe(late);
    expect(late.closes).toEqual([1001]);
    expect(hub.size).toBe(0);
  });
});
