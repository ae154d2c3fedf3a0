// The frame around every signed-in page: navigation for the user's role, live-stream health, the
// user and sign-out. Holds the console's one live connection while anyone is signed in.
import { QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { ToastProvider } from '../components/toast';
import { isUnauthorized, type ApiClient } from '../lib/api-client';
import { useApi } from '../lib/api-context';
import { getMe } from '../lib/auth/auth-api';
import { useAuth } from '../lib/auth/auth-context';
import { useHasRole } from '../lib/auth/require-role';
import { UserMenu } from '../lib/auth/user-menu';
import { createLiveStream } from '../lib/realtime/live-stream';
import { syncIntegrationQueries } from '../lib/realtime/query-sync';
import { RealtimeProvider } from '../lib/realtime/realtime-context';
import { StreamStatus } from '../lib/realtime/stream-status';
import { createQueryClient } from '../lib/query-client';
import { Link } from '../lib/router/router';
import { ThemeToggle } from '../lib/theme/theme-toggle';
import { SandboxNavLink } from '../features/sandbox/components/sandbox-nav-link';

function liveStreamForThisPage(api: ApiClient) {
  const wsUrl = new URL('/api/ws', window.location.href);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  return createLiveStream({
    wsUrl: wsUrl.toString(),
    sseUrl: '/api/stream',
    // A 401 here has already been through a refresh; if that failed, the auth layer has been told
    // and shows sign-in. Anything else (network) proves nothing: the stream keeps trying.
    async checkSession() {
      try {
        await getMe(api);
        return true;
      } catch (err) {
        if (isUnauthorized(err)) return false;
        throw err;
      }
    },
  });
}

export function SignedInLayout({ children }: { children: ReactNode }) {
  const api = useApi();
  const [stream] = useState(() => liveStreamForThisPage(api));
  // One cache per signed-in session, cleared when it ends: the next user starts from nothing.
  // (Not on unmount: StrictMode's trial unmount would orphan the queries of mounted pages.)
  const [queryClient] = useState(createQueryClient);
  const { onSessionEnd } = useAuth();
  useEffect(() => onSessionEnd(() => queryClient.clear()), [onSessionEnd, queryClient]);
  const isAdmin = useHasRole('admin');

  // Stay connected on every page, so a revoked session is noticed wherever the user is; live
  // integration state flows into the query cache, so REST answers and live data agree.
  useEffect(() => stream.hold(), [stream]);
  useEffect(() => {
    const subscription = syncIntegrationQueries(stream, queryClient);
    return () => subscription.unsubscribe();
  }, [stream, queryClient]);

  return (
    <QueryClientProvider client={queryClient}>
      <RealtimeProvider stream={stream}>
        <header className="topbar">
          <span className="brand">Switchboard</span>
          <nav aria-label="Main" className="main-nav">
            <Link to="/">Overview</Link>
            <Link to="/views">Views</Link>
            <Link to="/incidents">Incidents</Link>
            <Link to="/queue">Queue</Link>
            <Link to="/dead-letters">Dead letters</Link>
            <Link to="/webhooks">Webhooks</Link>
            {/* Flows: a link to /flows goes here once GET /api/flows/runs exists. */}
            <SandboxNavLink />
            {isAdmin && (
              <>
                <Link to="/admin/users">Users</Link>
                <Link to="/admin/sessions">Sessions</Link>
                <Link to="/admin/audit">Audit log</Link>
              </>
            )}
          </nav>
          <StreamStatus />
          <ThemeToggle />
          <UserMenu />
        </header>
        <ToastProvider>
          <main>{children}</main>
        </ToastProvider>
      </RealtimeProvider>
    </QueryClientProvider>
  );
}
