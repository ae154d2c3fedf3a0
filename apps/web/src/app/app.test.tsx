// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, meFor, unauthorized } from '../test/fake-server';
import { currentPath, renderApp } from '../test/render-app';

const providers = () => json(200, { local: true, oidc: null });

describe('App', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('sends a visitor without a session to sign-in, remembering where they were going', async () => {
    const { server } = renderApp('/admin/audit?actor=ana', {
      'GET /auth/me': () => unauthorized(),
      'POST /auth/refresh': () => unauthorized(),
      'GET /auth/providers': providers,
    });
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(currentPath()).toBe('/sign-in?returnTo=%2Fadmin%2Faudit%3Factor%3Dana');
    // The access token may just have expired: the console tried to renew before giving up.
    expect(server.count('POST', '/auth/refresh')).toBe(1);
  });

  it('signs out when a call meets a 401 and the refresh is refused', async () => {
    const { server } = renderApp('/admin/users', {
      'GET /auth/me': () => json(200, meFor('admin')),
      'GET /api/admin/users': () => unauthorized(),
      'POST /auth/refresh': () => unauthorized(),
      'GET /auth/providers': providers,
    });
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(currentPath()).toBe('/sign-in?returnTo=%2Fadmin%2Fusers');
    expect(server.count('POST', '/auth/refresh')).toBe(1);
    expect(screen.queryByTestId('current-user')).toBeNull();
  });

  it('shows a viewer no admin navigation, and no admin page', async () => {
    renderApp('/admin/users', { 'GET /auth/me': () => json(200, meFor('viewer')) });
    expect(await screen.findByRole('heading', { name: 'Not available' })).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['Overview', 'Views', 'Incidents', 'Queue', 'Dead letters', 'Webhooks']);
    expect(screen.getByTestId('current-user').textContent).toContain('viewer');
  });

  it('shows an admin the admin navigation and the users page', async () => {
    renderApp('/admin/users', {
      'GET /auth/me': () => json(200, meFor('admin')),
      'GET /api/admin/users': () => json(200, { items: [] }),
    });
    expect(await screen.findByText('No users yet.')).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual([
      'Overview',
      'Views',
      'Incidents',
      'Queue',
      'Dead letters',
      'Webhooks',
      'Users',
      'Sessions',
      'Audit log',
    ]);
  });

  it('signs out through the header button', async () => {
    const { server } = renderApp('/admin/sessions', {
      'GET /auth/me': () => json(200, meFor('admin')),
      'GET /api/admin/sessions': () => json(200, { items: [] }),
      'POST /auth/logout': () => json(200, { providerLogoutUrl: null }),
      'GET /auth/providers': providers,
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(currentPath()).toBe('/sign-in');
    const logout = server.requests.find((r) => r.path === '/auth/logout');
    expect(logout?.headers['x-csrf']).toBe('1');
  });

  it('goes back to the previous page with Back', async () => {
    const { router } = renderApp('/admin/users', {
      'GET /auth/me': () => json(200, meFor('admin')),
      'GET /api/admin/users': () => json(200, { items: [] }),
      'GET /api/admin/audit': () => json(200, { items: [], nextCursor: null }),
    });
    await screen.findByRole('heading', { name: 'Users' });
    fireEvent.click(screen.getByRole('link', { name: 'Audit log' }));
    expect(await screen.findByRole('heading', { name: 'Audit log' })).toBeTruthy();
    window.history.back();
    expect(await screen.findByRole('heading', { name: 'Users' })).toBeTruthy();
    await waitFor(() => expect(router.location().pathname).toBe('/admin/users'));
  });
});
