// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorBody, json, meFor, unauthorized, type FakeHandler } from '../../../test/fake-server';
import { currentPath, renderApp } from '../../../test/render-app';

const signedOut: Record<string, FakeHandler> = {
  'GET /auth/me': () => unauthorized(),
  'POST /auth/refresh': () => unauthorized(),
  'GET /auth/providers': () => json(200, { local: true, oidc: null }),
};

/** Waits for the (lazily loaded) page, then signs in. */
async function fillAndSubmit(username = 'ana', password = 'correct horse') {
  await screen.findByLabelText('Username');
  submit(username, password);
}

function submit(username: string, password: string) {
  fireEvent.change(screen.getByLabelText('Username'), { target: { value: username } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('SignInPage', () => {
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("shows the server's message when sign-in fails, and moves focus to it", async () => {
    const { server } = renderApp('/sign-in', {
      ...signedOut,
      'POST /auth/login': () => errorBody(401, 'unauthorized', 'Wrong username or password.'),
    });
    await fillAndSubmit();

    const error = await screen.findByRole('alert');
    expect(error.textContent).toBe('Wrong username or password.');
    await waitFor(() => expect(document.activeElement).toBe(error));
    expect(server.requests.find((r) => r.path === '/auth/login')?.body).toEqual({
      username: 'ana',
      password: 'correct horse',
    });
  });

  it('disables the button while signing in, then goes to returnTo', async () => {
    let answer = (_: Response) => {};
    renderApp('/sign-in?returnTo=%2Fadmin%2Faudit%3Factor%3Dana', {
      ...signedOut,
      'POST /auth/login': () => new Promise<Response>((resolve) => (answer = resolve)),
      'GET /api/admin/audit': () => json(200, { items: [], nextCursor: null }),
    });
    await fillAndSubmit();

    const pending = await screen.findByRole<HTMLButtonElement>('button', { name: 'Signing in…' });
    expect(pending.disabled).toBe(true);
    act(() => {
      answer(json(200, meFor('admin')));
    });
    await waitFor(() => expect(currentPath()).toBe('/admin/audit?actor=ana'));
    expect(await screen.findByTestId('current-user')).toBeTruthy();
  });

  it('counts down a lockout from Retry-After and lets the user try again at zero', async () => {
    renderApp('/sign-in', {
      ...signedOut,
      'POST /auth/login': () =>
        errorBody(429, 'rate_limited', 'Too many attempts.', { 'retry-after': '3' }),
    });
    await screen.findByLabelText('Username');
    // Only the countdown's clock is frozen; promises (the fake server) still run.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    submit('ana', 'correct horse');

    const lockout = await vi.waitFor(() => screen.getByTestId('sign-in-lockout'));
    // The lockout rendered outside act: let its effect (the first tick's timer) run before the clock moves.
    await act(async () => {});
    expect(lockout.textContent).toBe('Too many attempts; try again in 3 s');
    const button = screen.getByRole<HTMLButtonElement>('button', { name: 'Sign in' });
    expect(button.disabled).toBe(true);

    act(() => {
      vi.advanceTimersByTime(1_000);
    });
    expect(lockout.textContent).toBe('Too many attempts; try again in 2 s');
    act(() => {
      vi.advanceTimersByTime(1_000);
    });
    expect(lockout.textContent).toBe('Too many attempts; try again in 1 s');
    act(() => {
      vi.advanceTimersByTime(1_000);
    });
    expect(screen.queryByTestId('sign-in-lockout')).toBeNull();
    expect(button.disabled).toBe(false);
  });

  it('offers single sign-on when configured, and shows an error it came back with', async () => {
    renderApp('/sign-in?returnTo=%2Fadmin%2Fusers&error=The%20provider%20said%20no', {
      ...signedOut,
      'GET /auth/providers': () =>
        json(200, { local: true, oidc: { name: 'Acme SSO', loginUrl: '/auth/oidc/login' } }),
    });

    const sso = await screen.findByRole('link', { name: 'Sign in with Acme SSO' });
    expect(sso.getAttribute('href')).toBe('/auth/oidc/login?returnTo=%2Fadmin%2Fusers');
    expect(screen.getByRole('alert').textContent).toBe('The provider said no');
  });

  it('does not follow a returnTo that leaves the site', async () => {
    renderApp('/sign-in?returnTo=%2F%2Fevil.example%2F', {
      ...signedOut,
      'POST /auth/login': () => json(200, meFor('viewer')),
      'GET /api/views/overview': () => errorBody(503, 'not_ready', 'Starting.'),
    });
    await fillAndSubmit();
    await waitFor(() => expect(currentPath()).toBe('/'));
  });
});
