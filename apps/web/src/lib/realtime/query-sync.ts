// Keeps the TanStack Query cache in step with the live stream: each second's sample carries every
// integration's breaker, bulkhead and rate limit, written into the REST answers the cache holds
// (GET /api/integrations pages and GET /api/integrations/{name}) so REST and live never disagree.
import type { IntegrationLiveState, IntegrationState } from '@switchboard/shared/integrations';
import type { QueryClient } from '@tanstack/react-query';
import type { Subscription } from 'rxjs';
import type { LiveStream } from './live-stream';

/**
 * Query keys for the integrations API. Pages that fetch these endpoints use them, so the live
 * stream finds their answers: `list(params)` for a page of GET /api/integrations, `detail(name)`
 * for GET /api/integrations/{name}.
 */
export const integrationQueryKeys = {
  all: ['integrations'] as const,
  lists: () => ['integrations', 'list'] as const,
  list: (params: { limit?: number; cursor?: string } = {}) =>
    ['integrations', 'list', params] as const,
  details: () => ['integrations', 'detail'] as const,
  detail: (name: string) => ['integrations', 'detail', name] as const,
};

interface IntegrationPage {
  items: IntegrationState[];
  nextCursor: string | null;
}

const withLive = (item: IntegrationState, live: IntegrationLiveState): IntegrationState => ({
  ...item,
  ...live,
});

/**
 * Subscribes to the `integrations` topic and writes live state into cached integration queries.
 * Only queries already in the cache are touched (a sample holds no policies, so it cannot create
 * one); unchanged values keep their identity (structural sharing), so nothing re-renders for them.
 * @example const subscription = syncIntegrationQueries(stream, queryClient); // later: unsubscribe()
 */
export function syncIntegrationQueries(stream: LiveStream, queryClient: QueryClient): Subscription {
  return stream.topic$('integrations').subscribe((message) => {
    if (message.type !== 'integrations.sample') return;
    const live = new Map<string, IntegrationLiveState>();
    for (const sample of message.samples)
      if (sample.state) live.set(sample.integration, sample.state);
    if (live.size === 0) return;
    queryClient.setQueriesData<IntegrationPage>(
      { queryKey: integrationQueryKeys.lists() },
      (page) =>
        page && {
          ...page,
          items: page.items.map((item) => {
            const state = live.get(item.name);
            return state ? withLive(item, state) : item;
          }),
        },
    );
    for (const [name, state] of live)
      queryClient.setQueriesData<IntegrationState>(
        { queryKey: integrationQueryKeys.detail(name), exact: true },
        (item) => item && withLive(item, state),
      );
  });
}
