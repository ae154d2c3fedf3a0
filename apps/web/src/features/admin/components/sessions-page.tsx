// Sessions (admin): everyone signed in, where from, and a way to end a session (yours signs you out).
import type { SessionInfo } from '@switchboard/shared/auth';
import { ConfirmButton } from '../../../components/confirm-button';
import { Empty, LoadError, Loading } from '../../../components/query-states';
import { Time } from '../../../components/time';
import { useToast } from '../../../components/toast';
import { useAuth } from '../../../lib/auth/auth-context';
import { useKillSession, useSessions } from '../api/sessions';
import { settle } from '../../../lib/settle';

export function SessionsPage() {
  const sessions = useSessions();
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      {sessions.isPending ? (
        <Loading>Loading sessions…</Loading>
      ) : sessions.isError ? (
        <LoadError what="sessions" error={sessions.error} onRetry={() => void sessions.refetch()} />
      ) : sessions.data.length === 0 ? (
        <Empty>Nobody is signed in.</Empty>
      ) : (
        <SessionsTable sessions={sessions.data} />
      )}
    </section>
  );
}

function SessionsTable({ sessions }: { sessions: SessionInfo[] }) {
  const kill = useKillSession();
  const toast = useToast();
  const { forgetSession } = useAuth();

  const end = (session: SessionInfo) =>
    settle(kill.mutateAsync(session), {
      onSuccess: () => {
        // The server has revoked the cookies this tab holds: nothing else would work now.
        if (session.current) forgetSession();
        else toast.show('success', `Ended ${session.username}'s session.`);
      },
      onError: (error) => toast.show('error', `Could not end the session: ${error.message}`),
    });

  return (
    <table className="data-table" data-testid="sessions-table">
      <thead>
        <tr>
          <th scope="col">User</th>
          <th scope="col">Role</th>
          <th scope="col">Started</th>
          <th scope="col">Last seen</th>
          <th scope="col">Ends at the latest</th>
          <th scope="col">From</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((session) => (
          <tr
            key={session.id}
            className={session.current ? 'is-current' : undefined}
            aria-current={session.current ? 'true' : undefined}
            data-testid={`session-row-${session.id}`}
          >
            <th scope="row">
              {session.username}
              {session.current && <span className="tag"> (this session)</span>}
            </th>
            <td>{session.role}</td>
            <td>
              <Time at={session.createdAt} />
            </td>
            <td>
              <Time at={session.lastSeenAt} />
            </td>
            <td>
              <Time at={session.absoluteExpiresAt} />
            </td>
            <td className="detail" title={session.userAgent}>
              {session.ip}
            </td>
            <td>
              <ConfirmButton
                label={session.current ? 'End (sign out)' : 'End'}
                question={
                  session.current
                    ? 'End your own session? You will be signed out.'
                    : `End ${session.username}'s session?`
                }
                confirmLabel="End session"
                disabled={kill.isPending && kill.variables.id === session.id}
                onConfirm={() => end(session)}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
