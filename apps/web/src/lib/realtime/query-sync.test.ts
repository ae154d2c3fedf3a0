import type { IntegrationLiveState, IntegrationState } from '@switchboard/shared/integrations';
import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { createLiveStream } from './live-stream';
import { integrationQueryKeys, syncIntegrationQueries } from './query-sync';
import { createTestPlatform, epochA, hello, sample } from './test-platform';

const closed: IntegrationLiveState = {
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
};
const open: IntegrationLiveState = {
  ...closed,
  breaker: { ...closed.breaker, state: 'open', consecutiveFailures: 5, distanceToTrip: null },
  bulkhead: { ...closed.bulkhead, active: 3 },
};

const integration = (name: string): IntegrationState => ({
  name,
  capability: null,
  ...closed,
  retryBudget: { calls: 0, retries: 0, allowed: 0 },
  policies: {} as IntegrationState['policies'],
  operations: [],
});

const sampleOf = (name: string, state?: IntegrationLiveState) => ({
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
    const listKey = integrationQueryKeys.list({ limit: 50 });
    queryClient.setQueryData(listKey, {
      items: [integration('payments'), integration('users')],
      nextCursor: null,
    });
    queryClient.setQueryData(integrationQueryKeys.detail('payments'), integration('payments'));
    const usersBefore = integration('users');
    queryClient.setQueryData(integrationQueryKeys.detail('users'), usersBefore);

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
    expect(list?.items.map((i) => [i.name, i.breaker.state, i.bulkhead.active])).toEqual([
      ['payments', 'open', 3],
      ['users', 'closed', 0],
    ]);
    expect(
      queryClient.getQueryData<IntegrationState>(integrationQueryKeys.detail('payments')),
    ).toMatchObject({ name: 'payments', breaker: { state: 'open' }, operations: [] });
    // Unchanged: the same object, so nothing that reads it re-renders.
    expect(queryClient.getQueryData(integrationQueryKeys.detail('users'))).toBe(usersBefore);
    // Nothing cached for email: a sample alone (no policies) does not make a query.
    expect(queryClient.getQueryData(integrationQueryKeys.detail('email'))).toBeUndefined();
    expect(t.socket().url).toContain('topics=integrations');
    subscription.unsubscribe();
  });
});
