// Keeps the TanStack Query cache in step with the live stream: each second's sample carries every
// integration's live state (breaker, rate-limit headroom, kill switch), written into the REST answers
// the cache holds (GET /api/integrations and GET /api/integrations/{name}) so REST and live never
// disagree.
import type { IntegrationState } from '@switchboard/shared/integrations';
import type { IntegrationSample } from '@switchboard/shared/stream';
import type { QueryClient } from '@tanstack/react-query';
import type { Subscription } from 'rxjs';
import type { LiveStream } from './live-stream';

/**
 * Where the integrations API's answers sit in the cache: the same keys as
 * `features/integrations/api/integrations-api.ts` (`integrationKeys.list()` / `.one(name)`).
 */
export const integrationQueryKeys = {
  list: () => ['integrations', 'list'] as const,
  one: (name: string) => ['integrations', 'one', name] as const,
};

type LiveState = NonNullable<IntegrationSample['state']>;

interface IntegrationPage {
  items: IntegrationState[];
  nextCursor: string | null;
}

/** The REST answer with the sample's live fields; the same object when nothing changed. */
export function withLiveState(item: IntegrationState, live: LiveState): IntegrationState {
  const same =
    item.breaker.state === live.breaker &&
    item.breaker.forced === live.forced &&
    item.breaker.distanceToTrip === live.distanceToTrip &&
    item.rateLimit.headroom === live.rateLimitHeadroom &&
    item.controls.enabled === live.enabled;
  if (same) return item;
  return {
    ...item,
    breaker: {
      ...item.breaker,
      state: live.breaker,
      forced: live.forced,
      distanceToTrip: live.distanceToTrip,
    },
    rateLimit: { ...item.rateLimit, headroom: live.rateLimitHeadroom },
    controls: { ...item.controls, enabled: live.enabled },
  };
}

/**
 * Subscribes to the `integrations` topic and writes live state into cached integration queries.
 * Only queries already in the cache are touched (a sample holds no policies, so it cannot create
 * one); unchanged entries keep their identity, so nothing that reads them re-renders.
 * @example const subscription = syncIntegrationQueries(stream, queryClient); // later: unsubscribe()
 */
export function syncIntegrationQueries(stream: LiveStream, queryClient: QueryClient): Subscription {
  return stream.topic$('integrations').subscribe((message) => {
    if (message.type !== 'integrations.sample') return;
    const live = new Map<string, LiveState>();
    for (const sample of message.samples)
      if (sample.state) live.set(sample.integration, sample.state);
    if (live.size === 0) return;
    queryClient.setQueriesData<IntegrationPage>(
      { queryKey: integrationQueryKeys.list() },
      (page) => {
        if (!page) return page;
        const items = page.items.map((item) => {
          const state = live.get(item.name);
          return state ? withLiveState(item, state) : item;
        });
        // The same page when no item changed: a new one would re-render every reader each second.
        return items.every((item, i) => item === page.items[i]) ? page : { ...page, items };
      },
    );
    for (const [name, state] of live)
      queryClient.setQueriesData<IntegrationState>(
        { queryKey: integrationQueryKeys.one(name), exact: true },
        (item) => item && withLiveState(item, state),
      );
  });
}
