// @vitest-environment jsdom
import type { IntegrationSample } from '@switchboard/shared/stream';
import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrowserRouter, RouterProvider } from '../../../lib/router/router';
import { healthOf } from '../integration-health';
import { createTileFeed, type WritableTileFeed } from '../streams/live-overview';
import { integrationState, sample } from '../test-fixtures';
import { IntegrationTile } from './integration-tile';
import { sparkPath } from './sparkline';

function renderTile(
  name: string,
  state = integrationState(name),
  feed?: WritableTileFeed,
  alerts = 0,
) {
  render(
    <RouterProvider router={createBrowserRouter(window)}>
      <ul>
        <IntegrationTile
          name={name}
          state={state}
          feed={feed}
          history={undefined}
          health={healthOf({ state, sample: feed?.latest() })}
          alerts={alerts}
          search="?range=1h"
        />
      </ul>
    </RouterProvider>,
  );
  return screen.getByTestId(`tile-${name}`);
}

/** A feed that has had a second at 10 ms p95 and then `s` (20 ms p95 by default). */
const liveOf = (s: IntegrationSample): WritableTileFeed => {
  const feed = createTileFeed(60);
  feed.push({ ...s, latencyMs: { p50: 5, p95: 10, p99: 10, max: 10 } });
  feed.push(s);
  return feed;
};
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

  it('follows its feed: new figures and a longer sparkline each second, the error line in red once calls fail', () => {
    const feed = liveOf(sample('users', { state: closed }));
    const tile = renderTile('users', integrationState('users'), feed);
    const p95Line = within(tile).getByRole('img', { name: 'users p95 latency' });
    const errorLine = within(tile).getByRole('img', { name: 'users error rate' });
    expect(p95Line.getAttribute('data-points')).toBe('2');
    expect(p95Line.querySelector('path')?.getAttribute('d')).toBe(sparkPath([10, 20], 120, 28));
    expect(errorLine.getAttribute('data-tone')).toBe('neutral');

    act(() => {
      feed.push(
        sample('users', {
          calls: 4,
          errors: 1,
          latencyMs: { p50: 5, p95: 40, p99: 50, max: 60 },
          state: { ...closed, distanceToTrip: 3, rateLimitHeadroom: 0.5 },
        }),
      );
      feed.notify();
    });
    expect(within(tile).getByTestId('tile-p95').textContent).toBe('40 ms');
    expect(within(tile).getByTestId('tile-error-rate').textContent).toBe('25%');
    expect(within(tile).getByTestId('tile-calls').textContent).toBe('4');
    expect(within(tile).getByTestId('tile-breaker').textContent).toBe(
      'closed · 3 failures to trip',
    );
    expect(within(tile).getByTestId('tile-headroom').textContent).toBe('50%');
    expect(p95Line.getAttribute('data-points')).toBe('3');
    expect(p95Line.querySelector('path')?.getAttribute('d')).toBe(sparkPath([10, 20, 40], 120, 28));
    expect(errorLine.getAttribute('data-tone')).toBe('bad');
  });

  it('shows dashes and empty sparklines before the first sample', () => {
    const tile = renderTile('users', integrationState('users'));
    expect(within(tile).getByTestId('tile-p95').textContent).toBe('—');
    expect(within(tile).getByTestId('tile-calls').textContent).toBe('—');
    // REST state still gives the breaker and the headroom.
    expect(within(tile).getByTestId('tile-breaker').textContent).toBe(
      'closed · 5 failures to trip',
    );
    expect(within(tile).getByTestId('tile-headroom').textContent).toBe('80%');
    const line = within(tile).getByRole('img', { name: 'users p95 latency' });
    expect(line.getAttribute('data-points')).toBe('0');
  });

  it('keeps the capability line (blank, hidden from assistive technology) until the REST state names it', () => {
    const feed = liveOf(sample('email-eu', { state: closed }));
    const tileOf = (state: ReturnType<typeof integrationState> | undefined) => (
      <RouterProvider router={createBrowserRouter(window)}>
        <ul>
          <IntegrationTile
            name="email-eu"
            state={state}
            feed={feed}
            history={undefined}
            health={healthOf({ state, sample: feed.latest() })}
            alerts={0}
            search=""
          />
        </ul>
      </RouterProvider>
    );
    const { rerender } = render(tileOf(undefined));
    const line = screen.getByTestId('tile-email-eu').querySelector('.tile__capability');
    expect(line?.getAttribute('aria-hidden')).toBe('true');
    expect(line?.textContent?.trim()).toBe('');
    rerender(tileOf(integrationState('email-eu')));
    // The same element, now with the text: the tile kept its height.
    expect(screen.getByTestId('tile-email-eu').querySelector('.tile__capability')).toBe(line);
    expect(line?.textContent).toBe('email');
    expect(line?.hasAttribute('aria-hidden')).toBe(false);
  });
});

describe('sparkPath', () => {
  it('scales values into the box and breaks the line at gaps', () => {
    expect(sparkPath([0, 10, null, 5], 30, 10)).toBe('M0.0 10.0L10.0 0.0M30.0 5.0');
    expect(sparkPath([null, null], 30, 10)).toBe('');
  });
});
