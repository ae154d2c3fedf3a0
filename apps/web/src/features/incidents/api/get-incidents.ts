// Incidents opened by alert rules, newest first; refreshed while the page is open.
import { IncidentListSchema, type Incident } from '@switchboard/shared/alerts';
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';

export type IncidentFilter = 'all' | 'open';

export const incidentKeys = {
  all: ['incidents'] as const,
  list: (status: IncidentFilter) => ['incidents', status] as const,
};

export async function getIncidents(
  api: ApiClient,
  status: IncidentFilter,
  signal?: AbortSignal,
): Promise<Incident[]> {
  const list = await api.request(
    `/api/incidents?status=${status}&limit=200`,
    IncidentListSchema,
    signal ? { signal } : {},
  );
  return list.items;
}

/** Alerts are judged once a second; a few seconds' delay on this page is fine. */
const refreshMs = 3_000;

export const incidentsQueryOptions = (api: ApiClient, status: IncidentFilter) =>
  queryOptions({
    queryKey: incidentKeys.list(status),
    queryFn: ({ signal }) => getIncidents(api, status, signal),
    refetchInterval: refreshMs,
  });

export function useIncidents(status: IncidentFilter) {
  return useQuery(incidentsQueryOptions(useApi(), status));
}
