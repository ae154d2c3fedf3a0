// Admin API: users and roles, live sessions with kill, and the audit log. Mounted behind the admin role.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  AuditListSchema,
  AuditQuerySchema,
  CreateUserRequestSchema,
  SessionListSchema,
  UpdateUserRequestSchema,
  UserListSchema,
  UserSchema,
} from '@switchboard/shared/auth';
import { AppError } from '../http/app-error';
import type { AppEnv } from '../http/app-env';
import { validationHook } from '../http/errors';
import { errorContent, jsonBody, jsonContent } from '../http/openapi';
import { toUserDto, type Accounts } from './accounts';
import type { AuditLog } from './audit';
import type { AuthStore } from './auth-store';
import { principalOf } from './guards';
import type { SessionService } from './sessions';

const idParam = z.object({ id: z.string().uuid('use an id from the list') });
const forbidden = errorContent('Needs the admin role');

const listUsers = createRoute({
  method: 'get',
  path: '/api/admin/users',
  summary: 'Users, by name',
  responses: { 200: jsonContent(UserListSchema, 'Users'), 403: forbidden },
});
const createUser = createRoute({
  method: 'post',
  path: '/api/admin/users',
  summary: 'Create a local user',
  request: {
    body: jsonBody(CreateUserRequestSchema),
  },
  responses: {
    201: jsonContent(UserSchema, 'Created'),
    400: errorContent('Invalid body'),
    403: forbidden,
    409: errorContent('Username taken'),
  },
});
const updateUser = createRoute({
  method: 'patch',
  path: '/api/admin/users/{id}',
  summary: "Change a user's role, name, or disable them (ends their sessions)",
  request: {
    params: idParam,
    body: jsonBody(UpdateUserRequestSchema),
  },
  responses: {
    200: jsonContent(UserSchema, 'Updated'),
    400: errorContent('Invalid body'),
    403: forbidden,
    404: errorContent('No such user'),
    409: errorContent('Would leave no enabled admin'),
  },
});
const listSessions = createRoute({
  method: 'get',
  path: '/api/admin/sessions',
  summary: 'Live sessions, most recently active first',
  responses: { 200: jsonContent(SessionListSchema, 'Sessions'), 403: forbidden },
});
const killSession = createRoute({
  method: 'delete',
  path: '/api/admin/sessions/{id}',
  summary: 'Revoke a session: its cookies stop working and its live streams close within a second',
  request: { params: idParam },
  responses: {
    204: { description: 'Revoked' },
    403: forbidden,
    404: errorContent('No live session with that id'),
  },
});
const listAudit = createRoute({
  method: 'get',
  path: '/api/admin/audit',
  summary: 'The audit log, newest first',
  request: { query: AuditQuerySchema },
  responses: {
    200: jsonContent(AuditListSchema, 'A page of entries'),
    400: errorContent('Invalid query'),
    403: forbidden,
  },
});

export function createAdminRoutes(deps: {
  accounts: Accounts;
  sessions: SessionService;
  store: AuthStore;
  audit: AuditLog;
}) {
  const { accounts, sessions, store, audit } = deps;
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(listUsers, async (c) =>
      c.json({ items: (await store.listUsers()).map(toUserDto) }, 200),
    )
    .openapi(createUser, async (c) => {
      const request = c.req.valid('json');
      const user = await accounts.create(request);
      await audit.record({
        action: 'user.created',
        actor: principalOf(c).username,
        ip: c.get('clientIp'),
        target: `user:${user.username}`,
        details: { role: user.role },
      });
      return c.json(toUserDto(user), 201);
    })
    .openapi(updateUser, async (c) => {
      const { before, after } = await accounts.update(c.req.valid('param').id, c.req.valid('json'));
      // A changed role or a disabled account takes effect now, not when the access token expires.
      const ended =
        before.role !== after.role || (after.disabled && !before.disabled)
          ? await sessions.revokeUser(
              after.id,
              after.disabled ? 'account disabled' : 'role changed',
            )
          : 0;
      await audit.record({
        action: 'user.updated',
        actor: principalOf(c).username,
        ip: c.get('clientIp'),
        target: `user:${after.username}`,
        details: {
          ...(before.role !== after.role && { role: { from: before.role, to: after.role } }),
          ...(before.disabled !== after.disabled && { disabled: after.disabled }),
          ...(before.displayName !== after.displayName && { displayName: after.displayName }),
          sessionsEnded: ended,
        },
      });
      return c.json(toUserDto(after), 200);
    })
    .openapi(listSessions, async (c) => {
      const me = principalOf(c);
      const items = (await sessions.active()).map((s) => ({
        id: s.id,
        userId: s.userId,
        username: s.user?.username ?? '(deleted)',
        role: s.user?.role ?? 'viewer',
        provider: s.provider,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        absoluteExpiresAt: s.absoluteExpiresAt,
        ip: s.ip,
        userAgent: s.userAgent,
        current: s.id === me.sessionId,
      }));
      c.header('cache-control', 'no-store');
      return c.json({ items }, 200);
    })
    .openapi(killSession, async (c) => {
      const { id } = c.req.valid('param');
      const session = await store.sessionById(id);
      if (!session || session.revokedAt !== null)
        throw new AppError(
          404,
          'not_found',
          `No live session with id "${id}"; it may have ended already.`,
        );
      await sessions.revoke(id, 'revoked by an admin');
      const owner = await store.userById(session.userId);
      await audit.record({
        action: 'session.revoked',
        actor: principalOf(c).username,
        ip: c.get('clientIp'),
        target: `session:${id}`,
        details: { user: owner?.username ?? null },
      });
      return c.body(null, 204);
    })
    .openapi(listAudit, async (c) => {
      const { action, actor, cursor, limit } = c.req.valid('query');
      const items = await store.queryAudit({ action, actor, before: cursor, limit: limit + 1 });
      const page = items.slice(0, limit);
      return c.json(
        { items: page, nextCursor: items.length > limit ? (page.at(-1)?.id ?? null) : null },
        200,
      );
    });
}
