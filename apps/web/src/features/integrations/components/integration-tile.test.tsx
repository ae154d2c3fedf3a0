// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrowserRouter, RouterProvider } from '../../../lib/router/router';
import { healthOf } from '../integration-health';
import type { TileLive } from '../streams/live-overview';
import { integrationState, sample } from '../test-fixtures';
import { IntegrationTile } from './integration-tile';
import { sparkPath } from './sparkline';

function renderTile(name: string, state = integrationState(name), live?: TileLive, alerts = 0) {
  render(
    <RouterProvider router={createBrowserRouter(window)}>
      <ul>
        <IntegrationTile
          name={name}
          state={state}
          live={live}
          history={undefined}
          health={healthOf({ state, sample: live?.latest })}
          alerts={alerts}
          search="?range=1h"
        />
      </ul>
    </RouterProvider>,
  );
  return screen.getByTestId(`tile-${name}`);
}

const liveOf = (s: TileLive['latest']): TileLive => ({
  latest: s,
  p95: [10, 20],
  errorRate: [0, 0],
});
const closed = {
  breaker: 'closed' as const,
  forced: null,
  distanceToTrip: 4,
  rateLimitHeadroom: 0.25,
  enabled: true,
  provider: 'automatic' as const,
};

describe('IntegrationTile', () => {
  afterEach(cleanup);

  it('shows a healthy integration with its figures and a link keeping the range', () => {
    const tile = renderTile(
      'users',
      integrationState('users'),
      liveOf(sample('users', { state: closed })),
    );
    expect(tile.dataset.health).toBe('healthy');
    const health = within(tile).getByTestId('health');
    // Text and a shape, not colour alone.
    expect(health.textContent).toContain('●');
    expect(health.textContent).toContain('Healthy');
    expect(within(tile).getByTestId('tile-p95').textContent).toBe('20 ms');
    expect(within(tile).getByTestId('tile-calls').textContent).toBe('10');
    expect(within(tile).getByTestId('tile-breaker').textContent).toBe(
      'closed · 4 failures to trip',
    );
    expect(within(tile).getByTestId('tile-headroom').textContent).toBe('25%');
    expect(within(tile).getByTestId('tile-alerts').textContent).toBe('none');
    expect(within(tile).getByRole('link', { name: 'users' }).getAttribute('href')).toBe(
      '/integrations/users?range=1h',
    );
  });

  it('says Down with a triangle when the breaker is open, and counts firing alerts', () => {
    const tile = renderTile(
      'payments',
      integrationState('payments'),
      liveOf(
        sample('payments', {
          errors: 10,
          state: { ...closed, breaker: 'open', distanceToTrip: 0 },
        }),
      ),
      2,
    );
    expect(tile.dataset.health).toBe('down');
    expect(within(tile).getByTestId('health').textContent).toMatch(/▲\s*Down · breaker open/);
    expect(within(tile).getByTestId('tile-error-rate').textContent).toBe('100%');
    expect(within(tile).getByTestId('tile-alerts').textContent).toBe('▲ 2 firing');
  });

  it('says Disabled when the kill switch is on, even from REST state alone', () => {
    const tile = renderTile(
      'users',
      integrationState('users', { controls: { enabled: false, provider: 'automatic' } }),
    );
    expect(tile.dataset.health).toBe('disabled');
    expect(within(tile).getByTestId('health').textContent).toMatch(/■\s*Disabled · kill switch on/);
  });

  it('shows the backup as the provider in use when pinned, and a failover when the backup answered', () => {
    const email = integrationState('email', {
      controls: { enabled: true, provider: 'backup' },
      operations: [
        {
          name: 'send',
          method: 'POST',
          path: '/v1/messages',
          fallback: { integration: 'email-backup', operation: 'send' },
          provider: 'backup',
        },
      ],
    });
    const pinned = renderTile(
      'email',
      email,
      liveOf(sample('email', { state: { ...closed, provider: 'backup' } })),
    );
    expect(within(pinned).getByTestId('tile-provider').textContent).toBe(
      'email-backup (pinned by operator)',
    );
    expect(pinned.dataset.health).toBe('degraded');
    cleanup();
    const failover = renderTile(
      'email',
      integrationState('email'),
      liveOf(sample('email', { providers: { 'email-backup': 7, email: 3 }, state: closed })),
    );
    expect(within(failover).getByTestId('tile-provider').textContent).toBe(
      'email-backup (failover)',
    );
    expect(within(failover).getByTestId('health').textContent).toContain('failing over to backup');
  });
});

describe('sparkPath', () => {
  it('scales values into the box and breaks the line at gaps', () => {
    expect(sparkPath([0, 10, null, 5], 30, 10)).toBe('M0.0 10.0L10.0 0.0M30.0 5.0');
    expect(sparkPath([null, null], 30, 10)).toBe('');
  });
});
