// The sandbox's simulated providers and their current faults. A 404 means the BFF runs without the
// sandbox: the chaos panel is then absent, not broken.
import { SandboxProviderListSchema, type SandboxProviderList } from '@switchboard/shared/sandbox';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { isApiError, type ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { sandboxKeys } from './sandbox-keys';

export function getProviders(api: ApiClient, signal?: AbortSignal): Promise<SandboxProviderList> {
  return api.request('/api/sandbox/providers', SandboxProviderListSchema, signal ? { signal } : {});
}

/** The answer that says "no sandbox here", as opposed to a failure worth retrying. */
export const isSandboxAbsent = (err: unknown): boolean => isApiError(err) && err.status === 404;

export const providersQueryOptions = (api: ApiClient) =>
  queryOptions({
    queryKey: sandboxKeys.providers,
    queryFn: ({ signal }) => getProviders(api, signal),
    retry: (failures, err) => !isSandboxAbsent(err) && failures < 2,
    // Request counters move with the traffic; a slow refresh keeps them roughly current.
    refetchInterval: 5_000,
  });

export function useProviders() {
  return useQuery(providersQueryOptions(useApi()));
}

/**
 * Whether the BFF runs the sandbox, for the navigation on every page: it shares the cache with the
 * panel but never polls (the panel's own observer does, while it is open).
 */
export function useSandboxAvailable(): boolean {
  const query = useQuery({
    ...providersQueryOptions(useApi()),
    refetchInterval: false,
    staleTime: Infinity,
  });
  return query.isSuccess;
}
