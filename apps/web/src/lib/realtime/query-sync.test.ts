import type { IntegrationState } from '@switchboard/shared/integrations';
import type { IntegrationSample } from '@switchboard/shared/stream';
import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { integrationState } from '../../features/integrations/test-fixtures';
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

/** A cached REST answer whose live fields equal `closed` (full headroom, five failures to trip). */
const integration = (name: string): IntegrationState =>
  integrationState(name, {
    rateLimit: { perSecond: 50, headroom: 1, blockedForMs: 0 },
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
