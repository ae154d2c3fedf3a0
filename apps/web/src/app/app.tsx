// The console's root: router, API client and auth around the routes. The query cache is not
// here: it lives and dies with a signed-in session (see signed-in-layout.tsx).
import { useState } from 'react';
import { createApiClient, type ApiClient } from '../lib/api-client';
import { ApiProvider } from '../lib/api-context';
import { AuthProvider } from '../lib/auth/auth-context';
import { createBrowserRouter, RouterProvider, type Router } from '../lib/router/router';
import { AppRoutes } from './routes';

/** Everything is built here by default; tests hand in their own API client or router. */
export function App(props: { api?: ApiClient; router?: Router }) {
  const [api] = useState(() => props.api ?? createApiClient());
  const [router] = useState(() => props.router ?? createBrowserRouter());
  return (
    <RouterProvider router={router}>
      <ApiProvider client={api}>
        <AuthProvider>
          <AppRoutes />
        </AuthProvider>
      </ApiProvider>
    </RouterProvider>
  );
}
