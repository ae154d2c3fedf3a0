import type { SampleMessage } from '@switchboard/shared/stream';
import { describe, expect, it } from 'vitest';
import { createStreamHub, type Frame } from './stream-hub';

const sample = (at: number): Omit<SampleMessage, 'seq'> => ({ type: 'integrations.sample', topic: 'integrations', at, samples: [] });

function collector() {
  const frames: Frame[] = [];
  const closes: number[] = [];
  return { frames, closes, send: (f: Frame) => frames.push(f), close: (code: number) => closes.push(code) };
}

describe('createStreamHub', () => {
  it('numbers messages and gives every subscriber the same serialised bytes', () => {
    const hub = createStreamHub({ bufferSize: 10 });
    const a = collector();
    const b = collector();
    hub.subscribe(a);
    hub.subscribe(b);
    hub.publish(sample(1));
    hub.publish(sample(2));
    expect(a.frames.map((f) => f.seq)).toEqual([1, 2]);
    expect(a.frames[0]).toBe(b.frames[0]);
    expect(JSON.parse(a.frames[1]?.json ?? '')).toMatchObject({ seq: 2, at: 2 });
    expect(new TextDecoder().decode(a.frames[0]?.sse)).toMatch(/^id: 1\ndata: \{.*\}\n\n$/);
  });

  it('replays the buffer to a new subscriber, or only what came after a resume point', () => {
    const hub = createStreamHub({ bufferSize: 3 });
    for (let i = 1; i <= 5; i++) hub.publish(sample(i));
    const fresh = collector();
    hub.subscribe(fresh);
    expect(fresh.frames.map((f) => f.seq)).toEqual([3, 4, 5]);
    const resumed = collector();
    hub.subscribe(resumed, 4);
    expect(resumed.frames.map((f) => f.seq)).toEqual([5]);
  });

  it('stops sending after unsubscribe and closes everyone on closeAll', () => {
    const hub = createStreamHub({ bufferSize: 3 });
    const a = collector();
    const b = collector();
    const off = hub.subscribe(a);
    hub.subscribe(b);
    off();
    hub.publish(sample(1));
    expect(a.frames).toHaveLength(0);
    hub.closeAll(1001, 'bye');
    expect(b.closes).toEqual([1001]);
    expect(hub.size).toBe(0);
  });
});
