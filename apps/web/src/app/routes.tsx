// Which page each path shows, and the sign-in gate in front of them. Every page is its own chunk,
// so the sign-in page never downloads the overview's charts.
import type { Role } from '@switchboard/shared/auth-basics';
import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { LoadError, Loading } from '../components/query-states';
import { useAuth } from '../lib/auth/auth-context';
import { RequireRole } from '../lib/auth/require-role';
import { safeReturnTo, signInHref, signInPath } from '../lib/auth/return-to';
import { matchPath, Redirect, useLocation } from '../lib/router/router';

const SignInPage = lazy(() =>
  import('../features/auth/components/sign-in-page').then((m) => ({ default: m.SignInPage })),
);
const SignedInLayout = lazy(() =>
  import('./signed-in-layout').then((m) => ({ default: m.SignedInLayout })),
);

interface Route {
  title: string;
  page: ComponentType;
  /** The least role that may open it; the server checks again on every call. */
  role?: Role;
}

export const routes: Record<string, Route> = {
  '/': {
    title: 'Overview',
    page: lazy(() =>
      import('../features/integrations/components/overview-page').then((m) => ({
        default: m.OverviewPage,
      })),
    ),
  },
  '/integrations/:name': {
    title: 'Integration',
    page: lazy(() =>
      import('../features/integrations/components/integration-detail-page').then((m) => ({
        default: m.IntegrationDetailPage,
      })),
    ),
  },
  // --- Console pages (views, incidents, sandbox, queue, dead letters, webhooks) ---
  '/views': {
    title: 'Views',
    page: lazy(() =>
      import('../features/views/components/views-page').then((m) => ({ default: m.ViewsPage })),
    ),
  },
  '/incidents': {
    title: 'Incidents',
    page: lazy(() =>
      import('../features/incidents/components/incidents-page').then((m) => ({
        default: m.IncidentsPage,
      })),
    ),
  },
  '/sandbox': {
    title: 'Sandbox',
    page: lazy(() =>
      import('../features/sandbox/components/sandbox-page').then((m) => ({
        default: m.SandboxPage,
      })),
    ),
  },
  '/queue': {
    title: 'Queue',
    page: lazy(() =>
      import('../features/queue/components/queue-page').then((m) => ({ default: m.QueuePage })),
    ),
  },
  '/dead-letters': {
    title: 'Dead letters',
    page: lazy(() =>
      import('../features/queue/components/dead-letters-page').then((m) => ({
        default: m.DeadLettersPage,
      })),
    ),
  },
  '/webhooks': {
    title: 'Webhook log',
    page: lazy(() =>
      import('../features/webhooks/components/webhooks-page').then((m) => ({
        default: m.WebhooksPage,
      })),
    ),
  },
  // --- end of console pages ---
  '/admin/users': {
    title: 'Users',
    role: 'admin',
    page: lazy(() =>
      import('../features/admin/components/users-page').then((m) => ({ default: m.UsersPage })),
    ),
  },
  '/admin/sessions': {
    title: 'Sessions',
    role: 'admin',
    page: lazy(() =>
      import('../features/admin/components/sessions-page').then((m) => ({
        default: m.SessionsPage,
      })),
    ),
  },
  '/admin/audit': {
    title: 'Audit log',
    role: 'admin',
    page: lazy(() =>
      import('../features/admin/components/audit-page').then((m) => ({ default: m.AuditPage })),
    ),
  },
};

/** Routes with `:param` segments (e.g. `/integrations/:name`), tried when no exact path matches. */
function matchPattern(pathname: string): Route | undefined {
  for (const [pattern, route] of Object.entries(routes))
    if (pattern.includes('/:') && matchPath(pattern, pathname)) return route;
  return undefined;
}

function NotFound() {
  return (
    <section aria-labelledby="not-found-title">
      <h1 id="not-found-title">Page not found</h1>
      <p>There is no page at this address.</p>
    </section>
  );
}

function RoutePage({ route }: { route: Route | undefined }) {
  if (!route) return <NotFound />;
  const Page = route.page;
  return route.role ? (
    <RequireRole role={route.role}>
      <Page />
    </RequireRole>
  ) : (
    <Page />
  );
}

const splash = <Loading>Loading…</Loading>;

export function AppRoutes() {
  const { pathname, search } = useLocation();
  const { state, retry } = useAuth();
  const route = Object.hasOwn(routes, pathname) ? routes[pathname] : matchPattern(pathname);
  const title = pathname === signInPath ? 'Sign in' : (route?.title ?? 'Not found');

  useEffect(() => {
    document.title = `${title} · Switchboard`;
  }, [title]);

  if (state.status === 'loading') return splash;
  if (state.status === 'unavailable')
    return (
      <main>
        <LoadError what="your session" error={state.error} onRetry={retry} />
      </main>
    );
  if (pathname === signInPath) {
    if (state.status === 'signed-in')
      return <Redirect to={safeReturnTo(new URLSearchParams(search).get('returnTo'))} />;
    return (
      <Suspense fallback={splash}>
        <SignInPage />
      </Suspense>
    );
  }
  if (state.status === 'signed-out') return <Redirect to={signInHref(`${pathname}${search}`)} />;
  return (
    <Suspense fallback={splash}>
      <SignedInLayout>
        <Suspense fallback={splash}>
          <RoutePage route={route} />
        </Suspense>
      </SignedInLayout>
    </Suspense>
  );
}
