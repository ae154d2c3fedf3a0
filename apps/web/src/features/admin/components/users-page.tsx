// Users (admin): who can sign in, with what role; change a role, disable or enable an account.
import { roles, RoleSchema, type User } from '@switchboard/shared/auth';
import { ConfirmButton } from '../../../components/confirm-button';
import { Empty, LoadError, Loading } from '../../../components/query-states';
import { Time } from '../../../components/time';
import { useToast } from '../../../components/toast';
import { useMe } from '../../../lib/auth/auth-context';
import { useUpdateUser, useUsers } from '../api/users';
import { CreateUserForm } from './create-user-form';
import { settle } from '../../../lib/settle';

export function UsersPage() {
  const users = useUsers();
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      {users.isPending ? (
        <Loading>Loading users…</Loading>
      ) : users.isError ? (
        <LoadError what="users" error={users.error} onRetry={() => void users.refetch()} />
      ) : users.data.length === 0 ? (
        <Empty>No users yet.</Empty>
      ) : (
        <UsersTable users={users.data} />
      )}
      <CreateUserForm />
    </section>
  );
}

function UsersTable({ users }: { users: User[] }) {
  const me = useMe();
  const update = useUpdateUser();
  const toast = useToast();

  const change = (user: User, patch: Parameters<typeof update.mutate>[0]['patch'], done: string) =>
    settle(update.mutateAsync({ id: user.id, patch }), {
      onSuccess: () => toast.show('success', done),
      onError: (error) =>
        toast.show('error', `Could not update ${user.username}: ${error.message}`),
    });

  return (
    <table className="data-table" data-testid="users-table">
      <thead>
        <tr>
          <th scope="col">Username</th>
          <th scope="col">Name</th>
          <th scope="col">Role</th>
          <th scope="col">Sign-in</th>
          <th scope="col">Status</th>
          <th scope="col">Created</th>
          <th scope="col">Last sign-in</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {users.map((user) => {
          // Changing your own role or disabling yourself could lock every admin out.
          const self = user.id === me.user.id;
          const busy = update.isPending && update.variables.id === user.id;
          return (
            <tr key={user.id} data-testid={`user-row-${user.username}`}>
              <th scope="row">
                {user.username}
                {self && <span className="tag"> (you)</span>}
              </th>
              <td>{user.displayName}</td>
              <td>
                <select
                  aria-label={`Role of ${user.username}`}
                  value={user.role}
                  disabled={self || busy}
                  onChange={(event) => {
                    const role = RoleSchema.safeParse(event.target.value);
                    if (role.success)
                      change(user, { role: role.data }, `${user.username} is now ${role.data}.`);
                  }}
                >
                  {roles.map((role) => (
                    <option key={role} value={role}>
                      {role}
                    </option>
                  ))}
                </select>
              </td>
              <td>{user.provider === 'oidc' ? 'Single sign-on' : 'Password'}</td>
              <td>{user.disabled ? 'Disabled' : 'Active'}</td>
              <td>
                <Time at={user.createdAt} />
              </td>
              <td>
                <Time at={user.lastLoginAt} fallback="never" />
              </td>
              <td>
                {user.disabled ? (
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      change(user, { disabled: false }, `${user.username} can sign in again.`)
                    }
                  >
                    Enable
                  </button>
                ) : (
                  <ConfirmButton
                    label="Disable"
                    question={`Disable ${user.username}? Their sessions end now.`}
                    confirmLabel={`Disable ${user.username}`}
                    disabled={self || busy}
                    onConfirm={() =>
                      change(user, { disabled: true }, `${user.username} is disabled.`)
                    }
                  />
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
