// @vitest-environment jsdom
import type { User } from '@switchboard/shared/auth';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorBody, json, meFor, noContent } from '../../../test/fake-server';
import { currentPath, renderApp } from '../../../test/render-app';

const user = (username: string, patch: Partial<User> = {}): User => ({
  id: `u-${username}`,
  username,
  displayName: username,
  role: 'viewer',
  provider: 'local',
  disabled: false,
  createdAt: 0,
  lastLoginAt: null,
  ...patch,
});

const admin = meFor('admin');

describe('admin pages', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('creates a user, then disables one only after confirming', async () => {
    const users = [user('admin', { id: admin.user.id, role: 'admin' }), user('bo')];
    const { server } = renderApp('/admin/users', {
      'GET /auth/me': () => json(200, admin),
      'GET /api/admin/users': () => json(200, { items: users }),
      'POST /api/admin/users': ({ body }) => {
        const created = user('cy', { role: 'operator' });
        users.push(created);
        expect(body).toEqual({ username: 'cy', role: 'operator', password: 'a long password' });
        return json(201, created);
      },
      'PATCH /api/admin/users/u-bo': ({ body }) => {
        users[1] = user('bo', { disabled: true });
        expect(body).toEqual({ disabled: true });
        return json(200, users[1]);
      },
    });

    const form = await screen.findByRole('form', { name: 'Add a user' });
    fireEvent.change(within(form).getByLabelText('Username'), { target: { value: 'cy' } });
    fireEvent.change(within(form).getByLabelText('Role'), { target: { value: 'operator' } });
    fireEvent.change(within(form).getByLabelText('Initial password'), {
      target: { value: 'a long password' },
    });
    fireEvent.click(within(form).getByRole('button', { name: 'Create user' }));
    expect(await screen.findByText('Created cy (operator).')).toBeTruthy();
    expect(await screen.findByTestId('user-row-cy')).toBeTruthy();

    const row = screen.getByTestId('user-row-bo');
    fireEvent.click(within(row).getByRole('button', { name: 'Disable' }));
    expect(server.count('PATCH', '/api/admin/users/u-bo')).toBe(0);
    const dialog = within(row).getByRole('alertdialog');
    expect(document.activeElement?.textContent).toBe('Cancel');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Disable bo' }));
    expect(await screen.findByText('bo is disabled.')).toBeTruthy();
    expect(server.count('PATCH', '/api/admin/users/u-bo')).toBe(1);
    // Your own account cannot be disabled or demoted from here.
    const self = screen.getByTestId('user-row-admin');
    const disableSelf = within(self).getByRole<HTMLButtonElement>('button', { name: 'Disable' });
    expect(disableSelf.disabled).toBe(true);
  });

  it("shows the server's message and a retry button when a list cannot load", async () => {
    let fail = true;
    renderApp('/admin/sessions', {
      'GET /auth/me': () => json(200, admin),
      'GET /api/admin/sessions': () =>
        fail ? errorBody(403, 'forbidden', 'Admins only.') : json(200, { items: [] }),
    });
    expect((await screen.findByRole('alert')).textContent).toContain('Admins only.');
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Nobody is signed in.')).toBeTruthy();
  });

  it('ending your own session signs you out', async () => {
    const session = {
      id: admin.session.id,
      userId: admin.user.id,
      username: 'admin',
      role: 'admin',
      provider: 'local',
      createdAt: 0,
      lastSeenAt: 0,
      absoluteExpiresAt: 0,
      ip: '127.0.0.1',
      userAgent: 'test',
      current: true,
    };
    const { server } = renderApp('/admin/sessions', {
      'GET /auth/me': () => json(200, admin),
      'GET /api/admin/sessions': () => json(200, { items: [session] }),
      [`DELETE /api/admin/sessions/${admin.session.id}`]: () => noContent(),
      'GET /auth/providers': () => json(200, { local: true, oidc: null }),
    });
    const row = await screen.findByTestId(`session-row-${admin.session.id}`);
    expect(row.textContent).toContain('(this session)');
    fireEvent.click(within(row).getByRole('button', { name: 'End (sign out)' }));
    fireEvent.click(within(row).getByRole('button', { name: 'End session' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(currentPath()).toBe('/sign-in');
    expect(server.count('DELETE', `/api/admin/sessions/${admin.session.id}`)).toBe(1);
  });

  it('filters the audit log through the URL and loads more with the cursor', async () => {
    const entry = (id: number) => ({
      id,
      at: 0,
      action: 'auth.login',
      outcome: 'success',
      actor: 'ana',
      ip: '127.0.0.1',
      target: null,
      details: {},
    });
    const { server } = renderApp('/admin/audit', {
      'GET /auth/me': () => json(200, admin),
      'GET /api/admin/audit': ({ path }) => {
        const cursor = new URL(path, 'http://x').searchParams.get('cursor');
        return cursor === null
          ? json(200, { items: [entry(3), entry(2)], nextCursor: 2 })
          : json(200, { items: [entry(1)], nextCursor: null });
      },
    });
    const form = await screen.findByRole('search');
    fireEvent.change(within(form).getByLabelText('Action'), { target: { value: 'auth.login' } });
    fireEvent.change(within(form).getByLabelText('Actor'), { target: { value: 'ana' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Apply filters' }));
    expect(currentPath()).toBe('/admin/audit?action=auth.login&actor=ana');

    const table = await screen.findByTestId('audit-table');
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await vi.waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(4));
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(
      server.requests.map((r) => r.path).filter((p) => p.startsWith('/api/admin/audit')),
    ).toEqual([
      '/api/admin/audit?limit=50',
      '/api/admin/audit?limit=50&action=auth.login&actor=ana',
      '/api/admin/audit?limit=50&action=auth.login&actor=ana&cursor=2',
    ]);
  });
});
