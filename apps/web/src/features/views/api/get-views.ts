// The declared views: name, whole-view deadline and sources.
import { ViewListSchema, type ViewInfo } from '@switchboard/shared/views';
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { viewKeys } from './views-keys';

export async function getViews(api: ApiClient, signal?: AbortSignal): Promise<ViewInfo[]> {
  const list = await api.request('/api/views', ViewListSchema, signal ? { signal } : {});
  return list.items;
}

export const viewsQueryOptions = (api: ApiClient) =>
  // The catalog does not change while the BFF runs.
  queryOptions({
    queryKey: viewKeys.list,
    queryFn: ({ signal }) => getViews(api, signal),
    staleTime: 5 * 60_000,
  });

export function useViews() {
  return useQuery(viewsQueryOptions(useApi()));
}
