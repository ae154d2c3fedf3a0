import type { SampleMessage } from '@switchboard/shared/stream';
import { StreamMessageSchema } from '@switchboard/shared/stream';
import { describe, expect, it } from 'vitest';
import { createStreamHub, type Frame } from './stream-hub';

const sample = (at: number): Omit<SampleMessage, 'seq'> => ({
  type: 'integrations.sample',
  topic: 'integrations',
  at,
  samples: [],
});

function collector() {
  const frames: Frame[] = [];
  const closes: number[] = [];
  return {
    frames,
    closes,
    send: (f: Frame) => frames.push(f),
    close: (code: number) => closes.push(code),
    types: () => frames.map((f) => StreamMessageSchema.parse(JSON.parse(f.json)).type),
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
    });
    expect(a.seqs()).toEqual([1, 2]);
    // No id on the hello: resuming from it would skip messages not yet received.
    expect(new TextDecoder().decode(a.frames[0]?.sse)).toMatch(/^data: \{"type":"hello"/);
    expect(a.frames[1]).toBe(b.frames[1]);
    expect(JSON.parse(a.frames[2]?.json ?? '')).toMatchObject({ seq: 2, at: 2 });
    expect(new TextDecoder().decode(a.frames[1]?.sse)).toBe(
      `id: ${hub.epoch}.1\ndata: ${a.frames[1]?.json}\n\n`,
    );
  });

  it('replays the buffer to a new subscriber, or only what came after a resume point of this epoch', () => {
    const hub = createStreamHub({ bufferSize: 3 });
    for (let i = 1; i <= 5; i++) hub.publish(sample(i));
    const fresh = collector();
    hub.subscribe(fresh);
    expect(fresh.seqs()).toEqual([3, 4, 5]);
    const resumed = collector();
    hub.subscribe(resumed, { epoch: hub.epoch, seq: 4 });
    expect(resumed.seqs()).toEqual([5]);
    const otherEpoch = collector();
    hub.subscribe(otherEpoch, { epoch: '0123456789abcdef', seq: 4 });
    expect(otherEpoch.seqs()).toEqual([3, 4, 5]);
  });

  it('stops sending after unsubscribe and closes everyone on closeAll', () => {
    const hub = createStreamHub({ bufferSize: 3 });
    const a = collector();
    const b = collector();
    const off = hub.subscribe(a);
    hub.subscribe(b);
    off();
    hub.publish(sample(1));
    expect(a.frames).toHaveLength(1);
    hub.closeAll(1001, 'bye');
    expect(b.closes).toEqual([1001]);
    expect(hub.size).toBe(0);
    const late = collector();
    hub.subscribe(late);
    expect(late.closes).toEqual([1001]);
    expect(hub.size).toBe(0);
  });
});
