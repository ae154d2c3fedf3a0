// Runs one declared view on demand: its fan-out, one section per source with timings.
import { ViewResultSchema, type ViewResult } from '@switchboard/shared/upstreams';
import { useMutation } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';

export function runView(api: ApiClient, name: string, signal?: AbortSignal): Promise<ViewResult> {
  return api.request(
    `/api/views/${encodeURIComponent(name)}`,
    ViewResultSchema,
    signal ? { signal } : {},
  );
}

/**
 * A run is something the reader asks for (and each one differs in its timings), so it is a
 * mutation rather than a cached query, though it changes nothing on the server.
 */
export function useRunView() {
  const api = useApi();
  return useMutation({ mutationFn: (name: string) => runView(api, name) });
}
