// Sign-in, sessions, users and the audit log: the contract between the console and the BFF.
import { z } from 'zod';

import { roles } from './auth-basics';

// Zod-free, in their own module for the console's sign-in path (see auth-basics.ts).
export { csrfHeader, hasRole, roleRank, roles } from './auth-basics';
export const RoleSchema = z.enum(roles).meta({ id: 'Role' });
export type Role = z.infer<typeof RoleSchema>;

export const UsernameSchema = z
  .string()
  .min(1, 'enter a username')
  .max(64)
  .regex(/^[a-zA-Z0-9._@-]+$/, 'use letters, digits and . _ @ - only');

export const LoginRequestSchema = z
  .object({
    username: UsernameSchema,
    password: z.string().min(1, 'enter a password').max(1024),
  })
  .strict()
  .meta({ id: 'LoginRequest' });
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const AuthProviderSchema = z.enum(['local', 'oidc']);

export const MeSchema = z
  .object({
    user: z.object({
      id: z.string(),
      username: z.string(),
      displayName: z.string(),
      role: RoleSchema,
      provider: AuthProviderSchema,
    }),
    session: z.object({
      id: z.string(),
      /** When the access token ends (epoch ms); the console refreshes before or on a 401. */
      accessExpiresAt: z.number(),
      /** The session's hard end (epoch ms), whatever the activity. */
      absoluteExpiresAt: z.number(),
    }),
  })
  .meta({ id: 'Me' });
export type Me = z.infer<typeof MeSchema>;

/**
 * The answer to sign-out. `providerLogoutUrl`: for a single-sign-on session whose provider offers
 * RP-initiated logout, where the browser goes next to end its session at the provider too.
 */
export const LogoutResultSchema = z
  .object({ providerLogoutUrl: z.string().nullable() })
  .meta({ id: 'LogoutResult' });
export type LogoutResult = z.infer<typeof LogoutResultSchema>;

/** What the sign-in page offers: local accounts always, single sign-on when configured. */
export const AuthProvidersSchema = z
  .object({
    local: z.boolean(),
    oidc: z.object({ name: z.string(), loginUrl: z.string() }).nullable(),
  })
  .meta({ id: 'AuthProviders' });
export type AuthProviders = z.infer<typeof AuthProvidersSchema>;

export const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: RoleSchema,
    provider: AuthProviderSchema,
    disabled: z.boolean(),
    createdAt: z.number(),
    lastLoginAt: z.number().nullable(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof UserSchema>;

export const UserListSchema = z.object({ items: z.array(UserSchema) }).meta({ id: 'UserList' });

export const PasswordSchema = z
  .string()
  .min(12, 'use at least 12 characters')
  .max(1024, 'use at most 1024 characters');

export const CreateUserRequestSchema = z
  .object({
    username: UsernameSchema,
    displayName: z.string().min(1).max(120).optional(),
    role: RoleSchema,
    password: PasswordSchema,
  })
  .strict()
  .meta({ id: 'CreateUserRequest' });
export type CreateUserRequest = z.infer<typeof CreateUserRequestSchema>;

export const UpdateUserRequestSchema = z
  .object({
    role: RoleSchema.optional(),
    disabled: z.boolean().optional(),
    displayName: z.string().min(1).max(120).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'send at least one of role, disabled, displayName')
  .meta({ id: 'UpdateUserRequest' });
export type UpdateUserRequest = z.infer<typeof UpdateUserRequestSchema>;

export const SessionInfoSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    username: z.string(),
    role: RoleSchema,
    provider: AuthProviderSchema,
    createdAt: z.number(),
    lastSeenAt: z.number(),
    absoluteExpiresAt: z.number(),
    ip: z.string(),
    userAgent: z.string(),
    /** True for the session making this request. */
    current: z.boolean(),
  })
  .meta({ id: 'SessionInfo' });
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

export const SessionListSchema = z
  .object({ items: z.array(SessionInfoSchema) })
  .meta({ id: 'SessionList' });

export const auditActions = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.refresh_reuse',
  'session.revoked',
  'user.created',
  'user.updated',
  'breaker.forced',
  'provider.switched',
  'integration.toggled',
  'dead_letters.replayed',
  'dead_letters.edited',
  'dead_letters.discarded',
  'sandbox.changed',
] as const;
export const AuditActionSchema = z.enum(auditActions);
export type AuditAction = z.infer<typeof AuditActionSchema>;

export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.number(),
    action: AuditActionSchema,
    outcome: z.enum(['success', 'failure']),
    /** Who: a username, or null when nobody was signed in (a failed sign-in names the attempt). */
    actor: z.string().nullable(),
    ip: z.string(),
    /** What was acted on, e.g. `integration:payments` or `session:…`. */
    target: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditQuerySchema = z
  .object({
    action: AuditActionSchema.optional(),
    actor: z.string().max(64).optional(),
    /** Entries with an id below this one (the previous page's `nextCursor`). */
    cursor: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const AuditListSchema = z
  .object({ items: z.array(AuditEntrySchema), nextCursor: z.number().nullable() })
  .meta({ id: 'AuditList' });
