// The overview view: fetcher, query options and hook.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { ViewResultSchema, type ViewResult } from '@switchboard/shared/upstreams';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';

export const overviewKeys = {
  all: ['views', 'overview'] as const,
};

export function getOverview(api: ApiClient, signal?: AbortSignal): Promise<ViewResult> {
  return api.request('/api/views/overview', ViewResultSchema, signal ? { signal } : {});
}

export const overviewQueryOptions = (api: ApiClient) =>
  queryOptions({
    queryKey: overviewKeys.all,
    queryFn: ({ signal }) => getOverview(api, signal),
    // The view is cheap and parallel; refresh it often so status changes show within seconds.
    refetchInterval: 2_000,
  });

export function useOverview() {
  return useQuery(overviewQueryOptions(useApi()));
}
