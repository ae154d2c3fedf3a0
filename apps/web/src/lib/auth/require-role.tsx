// Shows its children only to users with at least the given role; others get a plain explanation.
// From the zod-free module: this file is in the entry chunk, on the sign-in page's path.
import { hasRole, type Role } from '@switchboard/shared/auth-basics';
import type { ReactNode } from 'react';
import { useMe } from './auth-context';

/** Whether the signed-in user has at least `role` (roles rank viewer < operator < admin). */
export function useHasRole(role: Role): boolean {
  return hasRole(useMe().user.role, role);
}

/**
 * The server enforces roles on every call; this only spares users pages they cannot use.
 * @example <RequireRole role="admin"><UsersPage /></RequireRole>
 */
export function RequireRole({
  role,
  children,
  fallback,
}: {
  role: Role;
  children: ReactNode;
  fallback?: ReactNode;
}) {
  if (useHasRole(role)) return children;
  return (
    fallback ?? (
      <section className="forbidden" aria-labelledby="forbidden-title">
        <h1 id="forbidden-title">Not available</h1>
        <p>This page needs the {role} role.</p>
      </section>
    )
  );
}
