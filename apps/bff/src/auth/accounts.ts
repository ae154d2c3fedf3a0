// Local accounts: the first admin, password sign-in, and what admins change about users.
import type { CreateUserRequest, Role, UpdateUserRequest, User } from '@switchboard/shared/auth';
import { AppError } from '../http/app-error';
import type { AuthStore, UserRecord } from './auth-store';
import { generatePassword, type PasswordHasher } from './passwords';

export interface Accounts {
  /**
   * Creates the `admin` account when there are no users. Returns the generated password when none
   * was configured, for the caller to print once; only its hash is kept.
   */
  ensureAdmin(configuredPassword: string | undefined): Promise<{ generatedPassword?: string }>;
  /** The user when the password matches an enabled local account; undefined otherwise. */
  verifyPassword(username: string, password: string): Promise<UserRecord | undefined>;
  create(request: CreateUserRequest): Promise<UserRecord>;
  update(id: string, patch: UpdateUserRequest): Promise<{ before: UserRecord; after: UserRecord }>;
  /** Finds or creates the user behind a single-sign-on identity; the role follows the claims. */
  upsertSso(identity: {
    subject: string;
    username: string;
    displayName: string;
    role: Role;
  }): Promise<UserRecord>;
}

export const toUserDto = (u: UserRecord): User => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  role: u.role,
  provider: u.provider,
  disabled: u.disabled,
  createdAt: u.createdAt,
  lastLoginAt: u.lastLoginAt,
});

export function createAccounts(options: {
  store: AuthStore;
  passwords: PasswordHasher;
  now: () => number;
}): Accounts {
  const { store, passwords, now } = options;
  // Verifying against a real hash when the user does not exist costs the same time as a wrong
  // password, so response times do not reveal which usernames exist.
  let decoy: Promise<string> | undefined;

  async function insert(fields: Omit<UserRecord, 'id' | 'createdAt' | 'lastLoginAt' | 'disabled'>) {
    const user: UserRecord = {
      ...fields,
      id: crypto.randomUUID(),
      disabled: false,
      createdAt: now(),
      lastLoginAt: null,
    };
    if (await store.userByUsername(user.username))
      throw new AppError(409, 'conflict', `A user named "${user.username}" already exists.`);
    await store.insertUser(user);
    return user;
  }

  return {
    async ensureAdmin(configuredPassword) {
      if ((await store.countUsers()) > 0) return {};
      const password = configuredPassword ?? generatePassword();
      await insert({
        username: 'admin',
        displayName: 'Administrator',
        role: 'admin',
        provider: 'local',
        subject: null,
        passwordHash: await passwords.hash(password),
      });
      return configuredPassword === undefined ? { generatedPassword: password } : {};
    },

    async verifyPassword(username, password) {
      const user = await store.userByUsername(username);
      if (!user || user.passwordHash === null) {
        decoy ??= passwords.hash(generatePassword());
        await passwords.verify(password, await decoy);
        return undefined;
      }
      return (await passwords.verify(password, user.passwordHash)) ? user : undefined;
    },

    async create(request) {
      return insert({
        username: request.username,
        displayName: request.displayName ?? request.username,
        role: request.role,
        provider: 'local',
        subject: null,
        passwordHash: await passwords.hash(request.password),
      });
    },

    async update(id, patch) {
      const before = await store.userById(id);
      if (!before) throw new AppError(404, 'not_found', `No user with id "${id}".`);
      if (
        before.role === 'admin' &&
        ((patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true)
      ) {
        const admins = (await store.listUsers()).filter((u) => u.role === 'admin' && !u.disabled);
        if (admins.length <= 1)
          throw new AppError(
            409,
            'conflict',
            'This is the last enabled admin; make another admin first.',
          );
      }
      const after = await store.updateUser(id, patch);
      if (!after) throw new AppError(404, 'not_found', `No user with id "${id}".`);
      return { before, after };
    },

    async upsertSso(identity) {
      const existing = await store.userBySubject('oidc', identity.subject);
      if (existing) {
        if (existing.role === identity.role) return existing;
        return (await store.updateUser(existing.id, { role: identity.role })) ?? existing;
      }
      // A local account may already use the name: keep both apart rather than merge identities.
      const taken = await store.userByUsername(identity.username);
      return insert({
        username: taken ? `${identity.username}@sso` : identity.username,
        displayName: identity.displayName,
        role: identity.role,
        provider: 'oidc',
        subject: identity.subject,
        passwordHash: null,
      });
    },
  };
}
