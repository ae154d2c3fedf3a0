// REST for the integrations feature: fetchers, query options and hooks (one key factory), and the
// operator actions, which put the integration they return straight into the cache.
import { IncidentListSchema } from '@switchboard/shared/alerts';
import {
  IntegrationListSchema,
  IntegrationStateSchema,
  RecentCallListSchema,
  type BreakerAction,
  type IntegrationState,
  type KillSwitchAction,
  type ProviderSwitch,
} from '@switchboard/shared/integrations';
import { MetricsResponseSchema, type MetricsRange } from '@switchboard/shared/metrics';
import {
  queryOptions,
  useMutation,
  useQuery,
  useQueryClient,
  keepPreviousData,
} from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';

export const integrationKeys = {
  all: ['integrations'] as const,
  list: () => [...integrationKeys.all, 'list'] as const,
  one: (name: string) => [...integrationKeys.all, 'one', name] as const,
  calls: (name: string) => [...integrationKeys.all, 'calls', name] as const,
  metrics: (range: MetricsRange, name: string | null) =>
    [...integrationKeys.all, 'metrics', range, name ?? '*'] as const,
  incidents: () => ['incidents', 'open'] as const,
};

export const integrationListQueryOptions = (api: ApiClient) =>
  queryOptions({
    queryKey: integrationKeys.list(),
    queryFn: async ({ signal }) =>
      (await api.request('/api/integrations?limit=200', IntegrationListSchema, { signal })).items,
    // Live figures come from the stream every second; this refreshes policies and counters.
    refetchInterval: 5_000,
  });

export const useIntegrations = () => useQuery(integrationListQueryOptions(useApi()));

export const integrationQueryOptions = (api: ApiClient, name: string) =>
  queryOptions({
    queryKey: integrationKeys.one(name),
    queryFn: ({ signal }) =>
      api.request(`/api/integrations/${encodeURIComponent(name)}`, IntegrationStateSchema, {
        signal,
      }),
    refetchInterval: 5_000,
  });

export const useIntegration = (name: string) => useQuery(integrationQueryOptions(useApi(), name));

export const recentCallsQueryOptions = (api: ApiClient, name: string) =>
  queryOptions({
    queryKey: integrationKeys.calls(name),
    queryFn: ({ signal }) =>
      api.request(
        `/api/calls?integration=${encodeURIComponent(name)}&limit=200`,
        RecentCallListSchema,
        { signal },
      ),
    refetchInterval: 2_000,
  });

export const useRecentCalls = (name: string) => useQuery(recentCallsQueryOptions(useApi(), name));

/** History for one integration, or for all of them (`name` null). Not used for the live range. */
export const metricsQueryOptions = (api: ApiClient, range: MetricsRange, name: string | null) =>
  queryOptions({
    queryKey: integrationKeys.metrics(range, name),
    queryFn: ({ signal }) =>
      api.request(
        `/api/metrics?range=${range}${name === null ? '' : `&integration=${encodeURIComponent(name)}`}`,
        MetricsResponseSchema,
        { signal },
      ),
    refetchInterval: range === '15m' ? 5_000 : 30_000,
    placeholderData: keepPreviousData,
  });

export const useMetrics = (range: MetricsRange, name: string | null, enabled = true) =>
  useQuery({ ...metricsQueryOptions(useApi(), range, name), enabled });

export const openIncidentsQueryOptions = (api: ApiClient) =>
  queryOptions({
    queryKey: integrationKeys.incidents(),
    queryFn: async ({ signal }) =>
      (await api.request('/api/incidents?status=open', IncidentListSchema, { signal })).items,
    refetchInterval: 5_000,
  });

export const useOpenIncidents = () => useQuery(openIncidentsQueryOptions(useApi()));

export type OperatorAction =
  | { control: 'breaker'; body: BreakerAction }
  | { control: 'kill-switch'; body: KillSwitchAction }
  | { control: 'provider'; body: ProviderSwitch };

export function runOperatorAction(
  api: ApiClient,
  name: string,
  action: OperatorAction,
): Promise<IntegrationState> {
  return api.request(
    `/api/integrations/${encodeURIComponent(name)}/${action.control}`,
    IntegrationStateSchema,
    { method: 'POST', body: action.body },
  );
}

/** Runs an operator action; the answer is the integration as changed, shown at once. */
export function useOperatorAction(name: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: OperatorAction) => runOperatorAction(api, name, action),
    onSuccess(state) {
      queryClient.setQueryData(integrationKeys.one(name), state);
      void queryClient.invalidateQueries({ queryKey: integrationKeys.list() });
    },
  });
}
