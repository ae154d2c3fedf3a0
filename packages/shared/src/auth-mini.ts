// The contracts the console's sign-in path parses — who is signed in (Me), the sign-in providers,
// the sign-in form and the JSON error shape — written with `zod/mini`. The sign-in page must load
// in at most 100 KB of JavaScript (issue 6), and zod's classic API alone is about 30 KB of it;
// zod/mini is the same validator core with tree-shakable functions. The schemas here mirror
// auth.ts and errors.ts (the BFF and the rest of the console keep using those): the type checks at
// the end of this file fail to compile if the two ever describe different shapes, and
// auth-mini.test.ts checks both accept and reject the same inputs with the same messages.
import { z } from 'zod/mini';
import type { AuthProviders, LoginRequest, LogoutResult, Me } from './auth';
import { roles } from './auth-basics';
import { errorCodes } from './error-codes';
import type { ErrorBody } from './errors';

export { csrfHeader } from './auth-basics';

const AuthProviderSchema = z.enum(['local', 'oidc']);

export const MeMiniSchema = z.object({
  user: z.object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: z.enum(roles),
    provider: AuthProviderSchema,
  }),
  session: z.object({
    id: z.string(),
    accessExpiresAt: z.number(),
    absoluteExpiresAt: z.number(),
  }),
});

export const AuthProvidersMiniSchema = z.object({
  local: z.boolean(),
  oidc: z.nullable(z.object({ name: z.string(), loginUrl: z.string() })),
});

export const LogoutResultMiniSchema = z.object({ providerLogoutUrl: z.nullable(z.string()) });

export const LoginRequestMiniSchema = z.strictObject({
  username: z
    .string()
    .check(
      z.minLength(1, 'enter a username'),
      z.maxLength(64),
      z.regex(/^[a-zA-Z0-9._@-]+$/, 'use letters, digits and . _ @ - only'),
    ),
  password: z.string().check(z.minLength(1, 'enter a password'), z.maxLength(1024)),
});

export const ErrorBodyMiniSchema = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z.optional(z.unknown()),
    requestId: z.string(),
  }),
});

// Compile-time only: each mini schema describes exactly the classic one's type (both directions);
// a `false` here does not satisfy `true` and fails the type check.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type AllTrue<T extends readonly true[]> = T;
export type MiniMatchesClassic = AllTrue<
  [
    Same<z.infer<typeof MeMiniSchema>, Me>,
    Same<z.infer<typeof AuthProvidersMiniSchema>, AuthProviders>,
    Same<z.infer<typeof LoginRequestMiniSchema>, LoginRequest>,
    Same<z.infer<typeof LogoutResultMiniSchema>, LogoutResult>,
    Same<z.infer<typeof ErrorBodyMiniSchema>, ErrorBody>,
  ]
>;
