// Inbound webhook deliveries, newest first: accepted, duplicate and rejected (with why).
import { WebhookLogSchema, type WebhookLogEntry } from '@switchboard/shared/queue';
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';

export const webhookKeys = {
  all: ['webhooks'] as const,
  log: (source: string | null) => ['webhooks', 'log', source] as const,
};

export async function getWebhookLog(
  api: ApiClient,
  source: string | null,
  signal?: AbortSignal,
): Promise<WebhookLogEntry[]> {
  const query = new URLSearchParams({ limit: '200' });
  if (source !== null) query.set('source', source);
  const log = await api.request(
    `/api/webhooks/log?${query}`,
    WebhookLogSchema,
    signal ? { signal } : {},
  );
  return log.items;
}

export const webhookLogQueryOptions = (api: ApiClient, source: string | null) =>
  queryOptions({
    queryKey: webhookKeys.log(source),
    queryFn: ({ signal }) => getWebhookLog(api, source, signal),
    refetchInterval: 5_000,
  });

export function useWebhookLog(source: string | null) {
  return useQuery(webhookLogQueryOptions(useApi(), source));
}
