import { IntegrationStateSchema, type IntegrationState } from '@switchboard/shared/integrations';
import type { IntegrationSample } from '@switchboard/shared/stream';
import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { createLiveStream } from './live-stream';
import { integrationQueryKeys, syncIntegrationQueries } from './query-sync';
import { createTestPlatform, epochA, hello, sample } from './test-platform';

type LiveState = NonNullable<IntegrationSample['state']>;
const closed: LiveState = {
  breaker: 'closed',
  forced: null,
  distanceToTrip: 5,
  rateLimitHeadroom: 1,
  enabled: true,
  provider: 'automatic',
};
const open: LiveState = { ...closed, breaker: 'open', distanceToTrip: null, enabled: false };

const integration = (name: string): IntegrationState =>
  IntegrationStateSchema.parse({
    name,
    capability: null,
    controls: { enabled: true, provider: 'automatic' },
    breaker: {
      state: 'closed',
      forced: null,
      mode: 'consecutive',
      consecutiveFailures: 0,
      windowCalls: 4,
      windowFailures: 0,
      windowSlow: 0,
      failureRatio: 0,
      distanceToTrip: 5,
    },
    bulkhead: { active: 0, queued: 0, maxConcurrent: 10, maxQueue: 10 },
    rateLimit: { perSecond: 50, headroom: 1, blockedForMs: 0 },
    retryBudget: { calls: 0, retries: 0, allowed: 0 },
    policies: {
      timeout: { connectMs: 500, totalMs: 1500 },
      retry: {
        maxAttempts: 1,
        baseDelayMs: 50,
        maxDelayMs: 1000,
        retryOn: ['timeout'],
        budget: { ratio: 0.2, minPerSecond: 1, windowMs: 10000 },
      },
      breaker: {
        mode: 'consecutive',
        threshold: 5,
        failureRatio: 0.5,
        minimumCalls: 10,
        windowMs: 10000,
        slowCallMs: 0,
        slowCallRatio: 0.8,
        halfOpenAfterMs: 5000,
        halfOpenProbes: 1,
      },
      bulkhead: { maxConcurrent: 10, maxQueue: 10 },
      rateLimit: { perSecond: 50, burst: 50, adaptive: true },
      cache: { ttlMs: 0, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 },
    },
    operations: [],
  });

const sampleOf = (name: string, state?: LiveState) => ({
  integration: name,
  calls: 3,
  errors: 3,
  latencyMs: null,
  ...(state && { state }),
});

describe('syncIntegrationQueries', () => {
  it('writes live state into cached integration lists and details, never creating queries', () => {
    const t = createTestPlatform();
    const stream = createLiveStream({ wsUrl: 'ws://x/api/ws', sseUrl: '/s', platform: t.platform });
    const queryClient = new QueryClient();
    const listKey = integrationQueryKeys.list();
    queryClient.setQueryData(listKey, {
      items: [integration('payments'), integration('users')],
      nextCursor: null,
    });
    queryClient.setQueryData(integrationQueryKeys.one('payments'), integration('payments'));
    const usersBefore = integration('users');
    queryClient.setQueryData(integrationQueryKeys.one('users'), usersBefore);

    const subscription = syncIntegrationQueries(stream, queryClient);
    t.socket().open();
    t.socket().receive(hello(epochA, 0));
    t.socket().receive(
      sample(1, {
        samples: [
          sampleOf('payments', open),
          sampleOf('users', closed),
          sampleOf('email', open),
          sampleOf('analytics'),
        ],
      }),
    );

    const list = queryClient.getQueryData<{ items: IntegrationState[] }>(listKey);
    expect(list?.items.map((i) => [i.name, i.breaker.state, i.controls.enabled])).toEqual([
      ['payments', 'open', false],
      ['users', 'closed', true],
    ]);
    expect(
      queryClient.getQueryData<IntegrationState>(integrationQueryKeys.one('payments')),
    ).toMatchObject({
      name: 'payments',
      breaker: { state: 'open', distanceToTrip: null, mode: 'consecutive' },
      controls: { enabled: false, provider: 'automatic' },
      operations: [],
    });
    // Unchanged: the same object, so nothing that reads it re-renders.
    expect(queryClient.getQueryData(integrationQueryKeys.one('users'))).toBe(usersBefore);
    // Nothing cached for email: a sample alone (no policies) does not make a query.
    expect(queryClient.getQueryData(integrationQueryKeys.one('email'))).toBeUndefined();
    expect(t.socket().url).toContain('topics=integrations');
    // The same live state again: the cached list keeps its identity too.
    t.socket().receive(
      sample(2, { samples: [sampleOf('payments', open), sampleOf('users', closed)] }),
    );
    expect(queryClient.getQueryData(listKey)).toBe(list);
    subscription.unsubscribe();
  });
});
