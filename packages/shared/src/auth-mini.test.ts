import { describe, expect, it } from 'vitest';
import { AuthProvidersSchema, LoginRequestSchema, LogoutResultSchema, MeSchema } from './auth';
import {
  AuthProvidersMiniSchema,
  ErrorBodyMiniSchema,
  LoginRequestMiniSchema,
  LogoutResultMiniSchema,
  MeMiniSchema,
} from './auth-mini';
import { ErrorBodySchema } from './errors';

const me = {
  user: { id: 'u1', username: 'ada', displayName: 'Ada', role: 'operator', provider: 'local' },
  session: { id: 's1', accessExpiresAt: 1, absoluteExpiresAt: 2 },
};
const errorBody = {
  error: { code: 'rate_limited', message: 'Too many attempts.', requestId: 'r1' },
};

/** Each pair: the classic schema, its mini twin, inputs both must judge alike. */
const cases = [
  {
    name: 'LogoutResult',
    classic: LogoutResultSchema,
    mini: LogoutResultMiniSchema,
    inputs: [
      { providerLogoutUrl: null },
      { providerLogoutUrl: 'https://id.example/logout?client_id=x' },
      { providerLogoutUrl: 1 },
      {},
    ],
  },
  {
    name: 'Me',
    classic: MeSchema,
    mini: MeMiniSchema,
    inputs: [
      me,
      { ...me, user: { ...me.user, role: 'root' } },
      { ...me, user: { ...me.user, provider: 'ldap' } },
      { ...me, session: { ...me.session, accessExpiresAt: '1' } },
      { user: me.user },
      null,
    ],
  },
  {
    name: 'AuthProviders',
    classic: AuthProvidersSchema,
    mini: AuthProvidersMiniSchema,
    inputs: [
      { local: true, oidc: null },
      { local: true, oidc: { name: 'Corp', loginUrl: '/auth/oidc/login' } },
      { local: true },
      { local: 'yes', oidc: null },
      { local: false, oidc: { name: 'Corp' } },
    ],
  },
  {
    name: 'LoginRequest',
    classic: LoginRequestSchema,
    mini: LoginRequestMiniSchema,
    inputs: [
      { username: 'ada', password: 'secret' },
      { username: '', password: 'secret' },
      { username: 'ada', password: '' },
      { username: 'a b', password: 'secret' },
      { username: 'x'.repeat(65), password: 'secret' },
      { username: 'ada', password: 'x'.repeat(1025) },
      { username: 'ada', password: 'secret', extra: 1 },
    ],
  },
  {
    name: 'ErrorBody',
    classic: ErrorBodySchema,
    mini: ErrorBodyMiniSchema,
    inputs: [
      errorBody,
      { error: { ...errorBody.error, details: { field: 'x' } } },
      { error: { ...errorBody.error, code: 'teapot' } },
      { error: { code: 'internal', message: 'x' } },
      { message: 'x' },
    ],
  },
] as const;

describe('the zod/mini twins of the sign-in contracts', () => {
  for (const { name, classic, mini, inputs } of cases)
    it(`${name}: the same verdicts and data as the classic schema`, () => {
      for (const input of inputs) {
        const a = classic.safeParse(input);
        const b = mini.safeParse(input);
        expect(b.success, JSON.stringify(input)).toBe(a.success);
        if (a.success && b.success) expect(b.data).toEqual(a.data);
      }
    });

  it('LoginRequest: the messages the sign-in form shows are the same', () => {
    for (const input of [
      { username: '', password: 'secret' },
      { username: 'ada', password: '' },
      { username: 'a b', password: 'secret' },
    ]) {
      const a = LoginRequestSchema.safeParse(input);
      const b = LoginRequestMiniSchema.safeParse(input);
      expect(b.error?.issues[0]?.message).toBe(a.error?.issues[0]?.message);
      expect(b.error?.issues[0]?.message).toBeTruthy();
    }
  });
});
