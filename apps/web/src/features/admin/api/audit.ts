// The audit log (admin): newest first, filtered by action and actor, a page at a time.
import { AuditListSchema, type AuditAction } from '@switchboard/shared/auth';
import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { adminKeys } from './admin-keys';

export interface AuditFilters {
  action?: AuditAction;
  actor?: string;
}

export type AuditPage = z.infer<typeof AuditListSchema>;

const pageSize = 50;
/** The first page has no cursor (0); later ones start below the previous page's last id. */
const firstPage = 0;

export function getAudit(
  api: ApiClient,
  filters: AuditFilters,
  cursor: number,
  signal?: AbortSignal,
): Promise<AuditPage> {
  const query = new URLSearchParams({ limit: String(pageSize) });
  if (filters.action) query.set('action', filters.action);
  if (filters.actor) query.set('actor', filters.actor);
  if (cursor > 0) query.set('cursor', String(cursor));
  return api.request(
    `/api/admin/audit?${query.toString()}`,
    AuditListSchema,
    signal ? { signal } : {},
  );
}

export const auditQueryOptions = (api: ApiClient, filters: AuditFilters) =>
  infiniteQueryOptions({
    queryKey: adminKeys.auditList(filters),
    queryFn: ({ pageParam, signal }) => getAudit(api, filters, pageParam, signal),
    initialPageParam: firstPage,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

export function useAudit(filters: AuditFilters) {
  return useInfiniteQuery(auditQueryOptions(useApi(), filters));
}
