// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeServer, json, meFor } from '../../test/fake-server';
import { createApiClient } from '../api-client';
import { ApiProvider } from '../api-context';
import { createBrowserRouter, RouterProvider } from '../router/router';
import { AuthProvider, useAuth, type AuthClock } from './auth-context';

/** A hand-driven clock and page visibility. */
function manualClock(now: number) {
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const visibility = new Set<() => void>();
  let visible = true;
  const clock: AuthClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const timer = { fn, ms };
      timers.push(timer);
      return timer;
    },
    clearTimeout(handle) {
      const i = timers.indexOf(handle as { fn: () => void; ms: number });
      if (i >= 0) timers.splice(i, 1);
    },
    isVisible: () => visible,
    onVisibilityChange(fn) {
      visibility.add(fn);
      return () => visibility.delete(fn);
    },
  };
  const setVisible = (value: boolean) => {
    visible = value;
    for (const fn of visibility) fn();
  };
  return { clock, timers, setVisible };
}

function Expiry() {
  const { state } = useAuth();
  return (
    <p data-testid="expiry">
      {state.status === 'signed-in' ? state.me.session.accessExpiresAt : state.status}
    </p>
  );
}

describe('AuthProvider', () => {
  afterEach(cleanup);

  it('renews 60 s before the access token ends, and only while the tab is visible', async () => {
    const now = 1_000_000;
    const server = createFakeServer({
      'GET /auth/me': () => json(200, meFor('viewer', now + 120_000)),
      'POST /auth/refresh': () => json(200, meFor('viewer', now + 1_020_000)),
    });
    const { clock, timers, setVisible } = manualClock(now);
    render(
      <RouterProvider router={createBrowserRouter(window)}>
        <ApiProvider client={createApiClient({ fetch: server.fetch, locks: null })}>
          <AuthProvider clock={clock}>
            <Expiry />
          </AuthProvider>
        </ApiProvider>
      </RouterProvider>,
    );
    expect(await screen.findByText(String(now + 120_000))).toBeTruthy();
    // Me arrived outside act: its effects (arming the timer) may run a moment after the render.
    await waitFor(() => expect(timers.map((t) => t.ms)).toEqual([60_000]));

    act(() => setVisible(false));
    expect(timers).toHaveLength(0);
    act(() => setVisible(true));
    expect(timers.map((t) => t.ms)).toEqual([60_000]);

    act(() => timers[0]?.fn());
    expect(await screen.findByText(String(now + 1_020_000))).toBeTruthy();
    expect(server.count('POST', '/auth/refresh')).toBe(1);
    // Armed again for the new token.
    await waitFor(() => expect(timers.map((t) => t.ms)).toEqual([960_000]));
  });

  it("sends a single-sign-on sign-out on to the provider's logout, after ending it here", async () => {
    const providerLogoutUrl = 'https://id.example/logout?client_id=switchboard';
    const server = createFakeServer({
      'GET /auth/me': () => json(200, meFor('operator', Date.now() + 600_000)),
      'POST /auth/logout': () => json(200, { providerLogoutUrl }),
    });
    const left: string[] = [];
    function SignOut() {
      const { state, signOut } = useAuth();
      return (
        <button type="button" onClick={() => void signOut()}>
          {state.status}
        </button>
      );
    }
    render(
      <RouterProvider router={createBrowserRouter(window)}>
        <ApiProvider client={createApiClient({ fetch: server.fetch, locks: null })}>
          <AuthProvider clock={manualClock(Date.now()).clock} leaveTo={(url) => left.push(url)}>
            <SignOut />
          </AuthProvider>
        </ApiProvider>
      </RouterProvider>,
    );
    const button = await screen.findByRole('button', { name: 'signed-in' });
    act(() => button.click());
    expect(await screen.findByRole('button', { name: 'signed-out' })).toBeTruthy();
    expect(left).toEqual([providerLogoutUrl]);
  });
});
