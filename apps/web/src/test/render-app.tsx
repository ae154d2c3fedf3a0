// Renders the whole console against a fake BFF, at a given address, for component tests.
import { render } from '@testing-library/react';
import { vi } from 'vitest';
import { App } from '../app/app';
import { createApiClient } from '../lib/api-client';
import { createBrowserRouter } from '../lib/router/router';
import { createFakeServer, type FakeHandler } from './fake-server';

/** A WebSocket that never connects: the live stream stays "connecting" and touches no network. */
class IdleWebSocket {
  onopen: (() => void) | null = null;
  onmessage: (() => void) | null = null;
  onclose: (() => void) | null = null;
  close() {}
}

export function renderApp(path: string, routes: Record<string, FakeHandler>) {
  // How long waits may take is set once for every component test in src/test/setup.ts.
  vi.stubGlobal('WebSocket', IdleWebSocket);
  window.history.replaceState(null, '', path);
  const server = createFakeServer(routes);
  const api = createApiClient({ fetch: server.fetch, locks: null });
  const router = createBrowserRouter(window);
  const view = render(<App api={api} router={router} />);
  return { server, router, view };
}

export const currentPath = () => `${window.location.pathname}${window.location.search}`;
