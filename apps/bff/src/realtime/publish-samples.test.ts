import type { QueueSampleMessage } from '@switchboard/shared/stream';
import { describe, expect, it } from 'vitest';
import { createQueueSamplePublisher, publishSamples } from './publish-samples';
import { createStreamHub } from './stream-hub';

const queueSecond = (
  at: number,
  figures: Partial<Omit<QueueSampleMessage, 'seq' | 'type' | 'topic' | 'at'>> = {},
): Omit<QueueSampleMessage, 'seq'> => ({
  type: 'queue.sample',
  topic: 'queue',
  at,
  depth: 0,
  running: 0,
  completedPerSecond: 0,
  failedPerSecond: 0,
  deadLetters: 0,
  byType: {},
  ...figures,
});

describe('publishSamples', () => {
  it('publishes the integrations second even when it has no rows (the stream heartbeat the console sees)', () => {
    const hub = createStreamHub({ bufferSize: 16 });
    publishSamples(hub, { type: 'integrations.sample', topic: 'integrations', at: 1, samples: [] });
    publishSamples(hub, { type: 'integrations.sample', topic: 'integrations', at: 2, samples: [] });
    expect(hub.seq).toBe(2);
  });
});

describe('createQueueSamplePublisher', () => {
  it('publishes a queue second only when its figures differ from the last one published', () => {
    const hub = createStreamHub({ bufferSize: 16 });
    const publish = createQueueSamplePublisher(hub);
    publish(queueSecond(1000));
    publish(queueSecond(2000));
    publish(queueSecond(3000));
    expect(hub.seq).toBe(1);
    publish(
      queueSecond(4000, {
        depth: 2,
        byType: { x: { depth: 2, completed: 0, failed: 0, deadLetters: 0 } },
      }),
    );
    expect(hub.seq).toBe(2);
    publish(
      queueSecond(5000, {
        depth: 2,
        byType: { x: { depth: 2, completed: 0, failed: 0, deadLetters: 0 } },
      }),
    );
    expect(hub.seq).toBe(2);
    // Back to idle is news too: the throughput of the second before was not zero.
    publish(queueSecond(6000));
    expect(hub.seq).toBe(3);
  });
});
