// The demo traffic generator's rate (overview runs per second): read it, and change it (operators).
import { TrafficRateSchema, type TrafficRate } from '@switchboard/shared/sandbox';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { sandboxKeys } from './sandbox-keys';

export function getTraffic(api: ApiClient, signal?: AbortSignal): Promise<TrafficRate> {
  return api.request('/api/sandbox/traffic', TrafficRateSchema, signal ? { signal } : {});
}

export function setTraffic(api: ApiClient, perSecond: number): Promise<TrafficRate> {
  return api.request('/api/sandbox/traffic', TrafficRateSchema, {
    method: 'PUT',
    body: { perSecond },
  });
}

export const trafficQueryOptions = (api: ApiClient) =>
  queryOptions({
    queryKey: sandboxKeys.traffic,
    queryFn: ({ signal }) => getTraffic(api, signal),
    retry: false,
  });

export function useTraffic() {
  return useQuery(trafficQueryOptions(useApi()));
}

export function useSetTraffic() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (perSecond: number) => setTraffic(api, perSecond),
    onSuccess: (rate) => queryClient.setQueryData(sandboxKeys.traffic, rate),
  });
}
