import { describe, expect, it } from 'vitest';
import { AppError } from '../http/app-error';
import { createTestAuth } from './test-auth';
import type { SessionPolicy } from './sessions';

const meta = { ip: '203.0.113.7', userAgent: 'vitest' };

async function setup(policy: Partial<SessionPolicy> = {}) {
  let now = 1_700_000_000_000;
  const auth = await createTestAuth({ now: () => now, policy });
  const user = await auth.accounts.create({
    username: 'ada',
    role: 'operator',
    password: 'correct horse battery',
  });
  return { auth, user, advance: (ms: number) => (now += ms) };
}

/** A single-sign-on account, signed in as a viewer. */
const ssoViewer = (auth: Awaited<ReturnType<typeof createTestAuth>>) =>
  auth.accounts.upsertSso({ subject: 'op#1', username: 'sso', displayName: 'S', role: 'viewer' });

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: unknown) => (e instanceof AppError ? `${e.status}` : String(e)),
  );

describe('sessions', () => {
  it('gives every sign-in a new session id, and authenticates its access token', async () => {
    const { auth, user } = await setup();
    const a = await auth.sessions.signIn(user, meta);
    const b = await auth.sessions.signIn(user, meta);
    expect(a.me.session.id).not.toBe(b.me.session.id);
    expect(await auth.sessions.authenticate(a.access.token)).toMatchObject({
      userId: user.id,
      username: 'ada',
      role: 'operator',
      sessionId: a.me.session.id,
    });
  });

  it('rotates the refresh token on every use', async () => {
    const { auth, user, advance } = await setup();
    const first = await auth.sessions.signIn(user, meta);
    advance(60_000);
    const second = await auth.sessions.refresh(first.refresh.token, meta);
    expect(second.refresh.token).not.toBe(first.refresh.token);
    expect(second.me.session.id).toBe(first.me.session.id);
    advance(60_000);
    const third = await auth.sessions.refresh(second.refresh.token, meta);
    expect(third.me.session.id).toBe(first.me.session.id);
  });

  it('revokes the whole session when a rotated refresh token is used again', async () => {
    const { auth, user, advance } = await setup();
    const stolen = await auth.sessions.signIn(user, meta);
    const legit = await auth.sessions.refresh(stolen.refresh.token, meta);
    advance(60_000); // past the grace window
    expect(await refusal(auth.sessions.refresh(stolen.refresh.token, meta))).toBe('401');
    // The family is gone: the legitimate successor and the live access token stop working too.
    expect(await refusal(auth.sessions.refresh(legit.refresh.token, meta))).toBe('401');
    expect(await auth.sessions.authenticate(legit.access.token)).toBeUndefined();
  });

  it('turns two refreshes at once with the same token into one rotation that both receive', async () => {
    const { auth, user } = await setup();
    const signedIn = await auth.sessions.signIn(user, meta);
    const [a, b] = await Promise.all([
      auth.sessions.refresh(signedIn.refresh.token, meta),
      auth.sessions.refresh(signedIn.refresh.token, meta),
    ]);
    expect(a.refresh.token).toBe(b.refresh.token);
    // And a tab arriving a moment later, inside the grace window, gets the same answer.
    const late = await auth.sessions.refresh(signedIn.refresh.token, meta);
    expect(late.refresh.token).toBe(a.refresh.token);
    expect(await auth.sessions.refresh(a.refresh.token, meta)).toBeDefined();
  });

  it('ends a session idle for longer than the idle limit', async () => {
    const { auth, user, advance } = await setup({ idleMs: 30 * 60_000 });
    const s = await auth.sessions.signIn(user, meta);
    advance(30 * 60_000 + 1);
    expect(await refusal(auth.sessions.refresh(s.refresh.token, meta))).toBe('401');
  });

  it('ends a session at its absolute lifetime however active it is', async () => {
    const { auth, user, advance } = await setup({ idleMs: 3600_000, absoluteMs: 2 * 3600_000 });
    let s = await auth.sessions.signIn(user, meta);
    for (let i = 0; i < 3; i += 1) {
      advance(50 * 60_000);
      const r = await refusal(auth.sessions.refresh(s.refresh.token, meta).then((n) => (s = n)));
      expect(r).toBe(i < 2 ? 'accepted' : '401');
    }
  });

  it('revokes at once: the access token stops working and listeners hear of it', async () => {
    const { auth, user } = await setup();
    const s = await auth.sessions.signIn(user, meta);
    const heard: string[] = [];
    auth.sessions.onRevoke((id) => heard.push(id));
    await auth.sessions.revoke(s.me.session.id, 'test');
    expect(await auth.sessions.authenticate(s.access.token)).toBeUndefined();
    expect(heard).toEqual([s.me.session.id]);
    expect(await refusal(auth.sessions.refresh(s.refresh.token, meta))).toBe('401');
  });

  it('refuses to refresh the session of a disabled account', async () => {
    const { auth, user } = await setup();
    const s = await auth.sessions.signIn(user, meta);
    await auth.store.updateUser(user.id, { disabled: true });
    expect(await refusal(auth.sessions.refresh(s.refresh.token, meta))).toBe('401');
  });

  it('ends a single-sign-on session when the provider refuses to refresh its tokens', async () => {
    let refuse = false;
    const auth = await createTestAuth({
      refreshProviderTokens: (stored) =>
        refuse
          ? Promise.reject(new Error('invalid_grant'))
          : Promise.resolve({ tokens: stored.replace('v1', 'v2'), role: undefined }),
    });
    const user = await ssoViewer(auth);
    const s = await auth.sessions.signIn(user, meta, '{"v":"v1"}');
    const next = await auth.sessions.refresh(s.refresh.token, meta);
    expect((await auth.store.sessionById(s.me.session.id))?.providerTokens).toBe('{"v":"v2"}');
    refuse = true;
    expect(await refusal(auth.sessions.refresh(next.refresh.token, meta))).toBe('401');
    expect((await auth.store.sessionById(s.me.session.id))?.revokedReason).toMatch(
      /identity provider/,
    );
  });

  it('follows the role the provider grants at a renewal, and ends every session when it grants none', async () => {
    let granted: 'viewer' | 'operator' | null = 'operator';
    const auth = await createTestAuth({
      refreshProviderTokens: (stored) => Promise.resolve({ tokens: stored, role: granted }),
    });
    const user = await ssoViewer(auth);
    const first = await auth.sessions.signIn(user, meta, '{}');
    const other = await auth.sessions.signIn(user, meta, '{}');
    const promoted = await auth.sessions.refresh(first.refresh.token, meta);
    expect(promoted.me.user.role).toBe('operator');
    expect((await auth.sessions.authenticate(promoted.access.token))?.role).toBe('operator');
    expect((await auth.store.userById(user.id))?.role).toBe('operator');
    granted = null;
    expect(await refusal(auth.sessions.refresh(promoted.refresh.token, meta))).toBe('401');
    expect(await auth.sessions.authenticate(other.access.token)).toBeUndefined();
    expect((await auth.store.sessionById(other.me.session.id))?.revokedReason).toBe(
      'no role at the identity provider',
    );
    const audit = await auth.store.queryAudit({ limit: 10 });
    expect(audit.map((e) => [e.action, e.details])).toEqual(
      expect.arrayContaining([
        ['user.updated', { role: { from: 'viewer', to: 'operator' }, by: 'identity provider' }],
        ['session.revoked', expect.objectContaining({ session: first.me.session.id })],
      ]),
    );
  });

  it('lists live sessions and drops revoked ones', async () => {
    const { auth, user } = await setup();
    const a = await auth.sessions.signIn(user, meta);
    const b = await auth.sessions.signIn(user, meta);
    await auth.sessions.revoke(a.me.session.id, 'test');
    expect((await auth.sessions.active()).map((s) => s.id)).toEqual([b.me.session.id]);
  });

  it('stores refresh tokens only as hashes', async () => {
    const { auth, user } = await setup();
    const s = await auth.sessions.signIn(user, meta);
    expect(await auth.store.refreshTokenByHash(s.refresh.token)).toBeUndefined();
  });
});

describe('accounts', () => {
  it('creates the first admin once, with a generated password when none is configured', async () => {
    const auth = await createTestAuth();
    const { generatedPassword } = await auth.accounts.ensureAdmin(undefined);
    expect(generatedPassword).toMatch(/^[\w]{5}(-[\w]{5}){3}$/);
    expect(await auth.accounts.verifyPassword('admin', generatedPassword ?? '')).toMatchObject({
      role: 'admin',
    });
    expect(await auth.accounts.ensureAdmin(undefined)).toEqual({});
    const stored = await auth.store.userByUsername('admin');
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(stored?.passwordHash).not.toContain(generatedPassword);
  });

  it('treats usernames case-insensitively and refuses duplicates', async () => {
    const auth = await createTestAuth();
    await auth.accounts.create({
      username: 'Grace',
      role: 'viewer',
      password: 'a long enough one',
    });
    expect(await auth.accounts.verifyPassword('grace', 'a long enough one')).toBeDefined();
    expect(
      await refusal(
        auth.accounts.create({ username: 'GRACE', role: 'viewer', password: 'another long one' }),
      ),
    ).toBe('409');
  });

  it('will not demote or disable the last enabled admin', async () => {
    const auth = await createTestAuth();
    await auth.accounts.ensureAdmin('a configured password');
    const admin = await auth.store.userByUsername('admin');
    expect(await refusal(auth.accounts.update(admin?.id ?? '', { role: 'viewer' }))).toBe('409');
    expect(await refusal(auth.accounts.update(admin?.id ?? '', { disabled: true }))).toBe('409');
  });
});
