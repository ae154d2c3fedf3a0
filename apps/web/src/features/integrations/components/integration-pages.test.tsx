// @vitest-environment jsdom
import type { Role } from '@switchboard/shared/auth';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorBody, json, meFor, type FakeHandler } from '../../../test/fake-server';
import { currentPath, renderApp } from '../../../test/render-app';
import { integrationState } from '../test-fixtures';

/** Recharts measures its container; jsdom has no layout, so a size-less observer is enough. */
class NoResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}

const emptyCalls = () => json(200, { items: [], latestSeq: 0 });

function routesFor(role: Role, extra: Record<string, FakeHandler> = {}) {
  return {
    'GET /auth/me': () => json(200, meFor(role)),
    'GET /api/calls': emptyCalls,
    'GET /api/incidents': () => json(200, { items: [] }),
    ...extra,
  };
}

describe('integration detail page', () => {
  beforeEach(() => vi.stubGlobal('ResizeObserver', NoResizeObserver));
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('shows a viewer the state and policies but no action buttons', async () => {
    renderApp(
      '/integrations/users',
      routesFor('viewer', {
        'GET /api/integrations/users': () => json(200, integrationState('users')),
      }),
    );
    expect(await screen.findByTestId('read-only')).toBeTruthy();
    expect(screen.getByTestId('policies').textContent).toContain('threshold: 5');
    expect(screen.queryByTestId('controls')).toBeNull();
    expect(screen.queryAllByRole('button', { name: /Force|Disable|Reset|Switch/ })).toHaveLength(0);
  });

  it('lets an operator disable an integration after confirming, with a toast and the new state shown', async () => {
    let state = integrationState('users');
    const { server } = renderApp(
      '/integrations/users',
      routesFor('operator', {
        'GET /api/integrations/users': () => json(200, state),
        'GET /api/integrations': () => json(200, { items: [state], nextCursor: null }),
        'POST /api/integrations/users/kill-switch': ({ body }) => {
          expect(body).toEqual({ action: 'disable' });
          state = integrationState('users', {
            controls: { enabled: false, provider: 'automatic' },
          });
          return json(200, state);
        },
      }),
    );
    const controls = await screen.findByTestId('controls');
    // Users has no backup: no provider switch is offered.
    expect(within(controls).queryByRole('button', { name: /Switch to backup/ })).toBeNull();
    fireEvent.click(within(controls).getByRole('button', { name: 'Disable integration' }));
    expect(server.count('POST', '/api/integrations/users/kill-switch')).toBe(0);
    fireEvent.click(within(controls).getByRole('button', { name: 'Disable users' }));
    expect((await screen.findByTestId('toasts')).textContent).toContain('users disabled');
    expect(
      await within(controls).findByRole('button', { name: 'Enable integration' }),
    ).toBeTruthy();
    expect(screen.getByTestId('detail-enabled').textContent).toBe('ON (disabled)');
    expect(server.count('POST', '/api/integrations/users/kill-switch')).toBe(1);
  });

  it('offers the provider switch where there is a backup, and shows the server refusal in a toast', async () => {
    const email = integrationState('email', {
      operations: [
        {
          name: 'send',
          method: 'POST',
          path: '/v1/messages',
          fallback: { integration: 'email-backup', operation: 'send' },
          provider: 'automatic',
        },
      ],
    });
    renderApp(
      '/integrations/email',
      routesFor('operator', {
        'GET /api/integrations/email': () => json(200, email),
        'POST /api/integrations/email/provider': () =>
          errorBody(409, 'conflict', 'email has no backup provider'),
      }),
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Switch to backup (email-backup)' }));
    fireEvent.click(screen.getByRole('button', { name: 'Switch to email-backup' }));
    expect(
      await within(await screen.findByTestId('toasts')).findByText(
        'Could not change email: email has no backup provider',
      ),
    ).toBeTruthy();
  });

  it("shows the server's message and a retry for an unknown integration", async () => {
    renderApp('/integrations/nope', routesFor('viewer'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('no fake for GET /api/integrations/nope');
    expect(within(alert).getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});

describe('overview page', () => {
  beforeEach(() => vi.stubGlobal('ResizeObserver', NoResizeObserver));
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  const items = [
    integrationState('users', { controls: { enabled: false, provider: 'automatic' } }),
    integrationState('email'),
    integrationState('email-backup'),
  ];
  const overviewRoutes = () =>
    routesFor('viewer', {
      'GET /api/integrations': () => json(200, { items, nextCursor: null }),
      'GET /api/views/overview': () =>
        json(200, {
          view: 'overview',
          generatedAt: new Date(0).toISOString(),
          deadlineMs: 2000,
          latencyMs: 1,
          sources: {},
        }),
    });

  it('restores search, status filter and sort from the URL, and keeps changes in it', async () => {
    renderApp('/?q=email&sort=errors', overviewRoutes());
    await screen.findByTestId('tile-email');
    expect(screen.queryByTestId('tile-users')).toBeNull();
    expect(screen.getByLabelText<HTMLInputElement>('Search').value).toBe('email');
    expect(screen.getByLabelText<HTMLSelectElement>('Sort by').value).toBe('errors');
    expect(screen.getByTestId('tiles-count').textContent).toContain('Showing 2 of 3');

    fireEvent.change(screen.getByLabelText('Search'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'disabled' } });
    expect(currentPath()).toBe('/?sort=errors&status=disabled');
    expect(await screen.findByTestId('tile-users')).toBeTruthy();
    expect(screen.queryByTestId('tile-email')).toBeNull();

    fireEvent.change(screen.getByLabelText('Time range'), { target: { value: '24h' } });
    expect(currentPath()).toBe('/?sort=errors&status=disabled&range=24h');
    // Back undoes one change at a time.
    window.history.back();
    await vi.waitFor(() => expect(currentPath()).toBe('/?sort=errors&status=disabled'));
    expect(screen.getByLabelText<HTMLSelectElement>('Time range').value).toBe('live');
  });

  it('says so when nothing matches', async () => {
    renderApp('/?q=zzz', overviewRoutes());
    expect((await screen.findByTestId('tiles-empty')).textContent).toBe(
      'No integration matches the search and filter.',
    );
  });
});
