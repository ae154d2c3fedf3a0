// Sessions (admin): every signed-in session, and ending one.
import { SessionListSchema, type SessionInfo } from '@switchboard/shared/auth';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { adminKeys } from './admin-keys';

export async function getSessions(api: ApiClient, signal?: AbortSignal): Promise<SessionInfo[]> {
  const list = await api.request(
    '/api/admin/sessions',
    SessionListSchema,
    signal ? { signal } : {},
  );
  return list.items;
}

export const sessionsQueryOptions = (api: ApiClient) =>
  queryOptions({ queryKey: adminKeys.sessions, queryFn: ({ signal }) => getSessions(api, signal) });

export function useSessions() {
  return useQuery(sessionsQueryOptions(useApi()));
}

export function killSession(api: ApiClient, id: string): Promise<void> {
  return api.send(`/api/admin/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useKillSession() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (session: SessionInfo) => killSession(api, session.id),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: adminKeys.sessions }),
        queryClient.invalidateQueries({ queryKey: adminKeys.audit }),
      ]),
  });
}
