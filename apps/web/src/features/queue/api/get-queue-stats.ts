// Jobs by type and status, and each worker's concurrency and jobs in flight; polled while shown.
import { QueueStatsSchema, type QueueStats } from '@switchboard/shared/queue';
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { queueKeys } from './queue-keys';

export function getQueueStats(api: ApiClient, signal?: AbortSignal): Promise<QueueStats> {
  return api.request('/api/queue/stats', QueueStatsSchema, signal ? { signal } : {});
}

/** Throughput is worked out between two polls, so they come at a steady pace. */
export const queueStatsRefreshMs = 2_000;

export const queueStatsQueryOptions = (api: ApiClient) =>
  queryOptions({
    queryKey: queueKeys.stats,
    queryFn: ({ signal }) => getQueueStats(api, signal),
    refetchInterval: queueStatsRefreshMs,
  });

export function useQueueStats() {
  return useQuery(queueStatsQueryOptions(useApi()));
}
