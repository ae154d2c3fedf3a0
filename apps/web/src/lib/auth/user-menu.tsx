// The signed-in user (name and role) and the sign-out button, for the page header.
import { useState } from 'react';
import { useAuth, useMe } from './auth-context';

export function UserMenu() {
  const { user } = useMe();
  const { signOut } = useAuth();
  const [leaving, setLeaving] = useState(false);
  return (
    <div className="user-menu">
      <span data-testid="current-user">
        {user.displayName || user.username} <span className="role-tag">{user.role}</span>
      </span>
      <button
        type="button"
        disabled={leaving}
        onClick={() => {
          setLeaving(true);
          void signOut();
        }}
      >
        Sign out
      </button>
    </div>
  );
}
