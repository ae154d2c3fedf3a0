import type { IntegrationLiveState } from '@switchboard/shared/integrations';
import { SequencedMessageSchema } from '@switchboard/shared/stream';
import { describe, expect, it } from 'vitest';
import { publishSamples } from './publish-samples';
import { createStreamHub, type Frame } from './stream-hub';

const open: IntegrationLiveState = {
  breaker: {
    state: 'open',
    forced: null,
    mode: 'consecutive',
    consecutiveFailures: 5,
    windowCalls: 5,
    windowFailures: 5,
    windowSlow: 0,
    failureRatio: 1,
    distanceToTrip: null,
  },
  bulkhead: { active: 0, queued: 0, maxConcurrent: 10, maxQueue: 10 },
  rateLimit: { perSecond: 50, headroom: 1, blockedForMs: 0 },
};

describe('publishSamples', () => {
  it('adds each integration’s live state to its sample on both topics, and leaves it out when unknown', () => {
    const hub = createStreamHub({ bufferSize: 16 });
    const frames: Frame[] = [];
    hub.subscribe({ send: (frame) => frames.push(frame), close: () => {} });
    publishSamples(
      hub,
      {
        type: 'integrations.sample',
        topic: 'integrations',
        at: 1,
        samples: [
          { integration: 'payments', calls: 3, errors: 3, latencyMs: null },
          { integration: 'gone', calls: 0, errors: 0, latencyMs: null },
        ],
      },
      (name) => (name === 'payments' ? open : undefined),
    );
    const messages = frames
      .filter((f) => f.seq > 0)
      .map((f) => SequencedMessageSchema.parse(JSON.parse(f.json)));
    expect(messages.map((m) => m.topic)).toEqual([
      'integrations',
      'integration:payments',
      'integration:gone',
    ]);
    const [all, payments, gone] = messages;
    expect(all?.type === 'integrations.sample' && all.samples.map((s) => s.state)).toEqual([
      open,
      undefined,
    ]);
    expect(payments?.type === 'integration.sample' && payments.sample.state).toEqual(open);
    expect(gone?.type === 'integration.sample' && 'state' in gone.sample).toBe(false);
  });
});
