// Session and role checks for routes: 401 without a session (JSON, never a redirect), 403 without the role.
import { hasRole, type Role } from '@switchboard/shared/auth';
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../http/app-error';
import type { AppEnv } from '../http/app-env';
import { readAccessCookie } from './cookies';
import type { Principal, SessionService } from './sessions';

/** Reads and verifies the access cookie; sets `principal` or leaves it undefined. */
export function identify(sessions: SessionService): MiddlewareHandler<AppEnv> {
  return async function identifyCaller(c, next) {
    const token = readAccessCookie(c);
    c.set('principal', token ? await sessions.authenticate(token) : undefined);
    return next();
  };
}

export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal)
    throw new AppError(
      401,
      'unauthorized',
      'Sign in first: this needs a session (POST /auth/login).',
    );
  return principal;
}

/** Refuses callers without a session (401) or below `role` (403). */
export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async function checkRole(c, next) {
    const principal = principalOf(c);
    if (!hasRole(principal.role, role))
      throw new AppError(
        403,
        'forbidden',
        `This needs the ${role} role; you are signed in as ${principal.role}.`,
      );
    return next();
  };
}
