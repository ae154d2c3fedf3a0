// The audit log: who did what, when, from where; persisted, and readable by admins only.
import type { AuditAction } from '@switchboard/shared/auth';
import type { AuthStore } from './auth-store';

export interface AuditRecord {
  action: AuditAction;
  outcome?: 'success' | 'failure';
  actor: string | null;
  ip: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditLog {
  record(entry: AuditRecord): Promise<void>;
}

/** @example await audit.record({ action: 'breaker.forced', actor: 'ada', ip, target: 'integration:payments' }); */
export function createAuditLog(store: AuthStore, now: () => number): AuditLog {
  return {
    async record(entry) {
      await store.appendAudit({
        at: now(),
        action: entry.action,
        outcome: entry.outcome ?? 'success',
        actor: entry.actor,
        ip: entry.ip,
        target: entry.target ?? null,
        details: entry.details ?? {},
      });
    },
  };
}

/** A refused sign-in: `target` names what was tried (`user:ada`, `oidc`), `reason` why it failed. */
export const recordLoginFailure = (
  audit: AuditLog,
  entry: { ip: string; target: string; reason: string; actor?: string },
) =>
  audit.record({
    action: 'auth.login_failed',
    outcome: 'failure',
    actor: entry.actor ?? null,
    ip: entry.ip,
    target: entry.target,
    details: { reason: entry.reason },
  });
