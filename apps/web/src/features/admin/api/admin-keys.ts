// Query keys for the admin pages, so mutations invalidate exactly what they change.
import type { AuditFilters } from './audit';

export const adminKeys = {
  all: ['admin'] as const,
  users: ['admin', 'users'] as const,
  sessions: ['admin', 'sessions'] as const,
  audit: ['admin', 'audit'] as const,
  auditList: (filters: AuditFilters) => ['admin', 'audit', filters] as const,
};
