// The overview view: fetcher, query options and hook.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { ViewResultSchema, type ViewResult } from '@switchboard/shared/upstreams';
import { apiFetch } from '../../../lib/api-client';

export const overviewKeys = {
  all: ['views', 'overview'] as const,
};

export function getOverview(signal?: AbortSignal): Promise<ViewResult> {
  return apiFetch('/api/views/overview', ViewResultSchema, signal ? { signal } : {});
}

export const overviewQueryOptions = () =>
  queryOptions({
    queryKey: overviewKeys.all,
    queryFn: ({ signal }) => getOverview(signal),
    // The view is cheap and parallel; refresh it often so status changes show within seconds.
    refetchInterval: 2_000,
  });

export function useOverview() {
  return useQuery(overviewQueryOptions());
}
