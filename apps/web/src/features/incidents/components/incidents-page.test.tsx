// @vitest-environment jsdom
// Incidents: the timeline links each incident to its moment in the charts; operators acknowledge,
// viewers only read; the server's message shows when the list cannot load.
import type { Incident } from '@switchboard/shared/alerts';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorBody, json, meFor } from '../../../test/fake-server';
import { renderApp } from '../../../test/render-app';

const incident = (patch: Partial<Incident> = {}): Incident => ({
  id: 7,
  rule: 'breaker-open',
  integration: 'payments',
  severity: 'critical',
  message: 'breaker open',
  firedAt: 1_700_000_000_000,
  resolvedAt: null,
  acknowledgedAt: null,
  acknowledgedBy: null,
  ...patch,
});

describe('incidents page', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('lets an operator acknowledge, and links to the moment in the charts', async () => {
    let current = incident();
    const { server } = renderApp('/incidents', {
      'GET /auth/me': () => json(200, meFor('operator')),
      'GET /api/sandbox/providers': () => errorBody(404, 'not_found', 'no sandbox'),
      'GET /api/incidents': () => json(200, { items: [current] }),
      'POST /api/incidents/7/ack': () => {
        current = incident({ acknowledgedAt: 1_700_000_060_000, acknowledgedBy: 'operator' });
        return json(200, current);
      },
    });
    const item = await screen.findByTestId('incident-7');
    expect(item.dataset.state).toBe('firing');
    expect(within(item).getByTestId('incident-charts-link').getAttribute('href')).toBe(
      '/integrations/payments?range=1h&at=1700000000000',
    );
    fireEvent.click(within(item).getByRole('button', { name: 'Acknowledge' }));
    expect(await screen.findByText(/Acknowledged incident 7/)).toBeTruthy();
    expect(server.count('POST', '/api/incidents/7/ack')).toBe(1);
    await vi.waitFor(() =>
      expect(screen.getByTestId('incident-7').dataset.state).toBe('acknowledged'),
    );
    expect(screen.getByTestId('incident-7').textContent).toContain('by operator');
    expect(within(screen.getByTestId('incident-7')).queryByRole('button')).toBeNull();
  });

  it('shows a viewer no acknowledge button', async () => {
    renderApp('/incidents', {
      'GET /auth/me': () => json(200, meFor('viewer')),
      'GET /api/sandbox/providers': () => errorBody(404, 'not_found', 'no sandbox'),
      'GET /api/incidents': () => json(200, { items: [incident()] }),
    });
    const item = await screen.findByTestId('incident-7');
    expect(within(item).queryByRole('button', { name: 'Acknowledge' })).toBeNull();
  });

  it("shows the server's message and retries", async () => {
    let fail = true;
    const { server } = renderApp('/incidents?status=open', {
      'GET /auth/me': () => json(200, meFor('viewer')),
      'GET /api/sandbox/providers': () => errorBody(404, 'not_found', 'no sandbox'),
      'GET /api/incidents': () =>
        fail ? errorBody(409, 'conflict', 'The incident store is busy.') : json(200, { items: [] }),
    });
    const alert = await screen.findByRole('alert', {}, { timeout: 15_000 });
    expect(alert.textContent).toContain('The incident store is busy.');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No open incidents: every alert rule is quiet.')).toBeTruthy();
    expect(server.requests.some((r) => r.path.startsWith('/api/incidents?status=open'))).toBe(true);
  });
});
