// @vitest-environment jsdom
// The chaos panel exists only with the sandbox; viewers see the providers' state without controls;
// an operator's change is sent and confirmed.
import { healthyProviderFaults, type SandboxProvider } from '@switchboard/shared/sandbox';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorBody, json, meFor } from '../../../test/fake-server';
import { renderApp } from '../../../test/render-app';

const provider = (
  name: string,
  patch: Partial<SandboxProvider['faults']> = {},
): SandboxProvider => ({
  name,
  baseUrl: 'http://127.0.0.1:1/',
  faults: { ...healthyProviderFaults(), ...patch },
  requests: 12,
});

function sandboxRoutes(role: 'operator' | 'viewer') {
  let email = provider('email');
  return {
    'GET /auth/me': () => json(200, meFor(role)),
    'GET /api/sandbox/providers': () => json(200, { providers: [email], authServers: [] }),
    'GET /api/sandbox/traffic': () => json(200, { perSecond: 4 }),
    'PATCH /api/sandbox/providers/email': ({ body }: { body: unknown }) => {
      email = provider('email', body as Partial<SandboxProvider['faults']>);
      return json(200, email);
    },
  };
}

describe('sandbox page', () => {
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('lets an operator inject a fault and shows the provider changed', async () => {
    const { server } = renderApp('/sandbox', sandboxRoutes('operator'));
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(await within(nav).findByRole('link', { name: 'Sandbox' })).toBeTruthy();
    const card = await screen.findByTestId('provider-email');
    expect(within(card).getByTestId('fault-summary').textContent).toContain('Healthy');
    fireEvent.change(within(card).getByLabelText('Error rate (%)'), { target: { value: '50' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Apply to email' }));
    expect(await screen.findByText('Faults applied to email.')).toBeTruthy();
    expect(server.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ failureRate: 0.5 });
    await vi.waitFor(() =>
      expect(
        within(screen.getByTestId('provider-email')).getByTestId('fault-summary').textContent,
      ).toContain('failing 50 % (HTTP 503)'),
    );
  });

  it('shows a viewer the state and no controls', async () => {
    renderApp('/sandbox', sandboxRoutes('viewer'));
    const card = await screen.findByTestId('provider-email');
    expect(card.textContent).toContain('12 requests received');
    expect(await screen.findByTestId('traffic-value')).toBeTruthy();
    expect(screen.queryByRole('form')).toBeNull();
    expect(screen.queryByRole('slider')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Reset everything' })).toBeNull();
  });

  it('says the sandbox is not running when the BFF has none, and offers no nav entry', async () => {
    renderApp('/sandbox', {
      'GET /auth/me': () => json(200, meFor('operator')),
      'GET /api/sandbox/providers': () => errorBody(404, 'not_found', 'Not found.'),
    });
    expect(await screen.findByTestId('sandbox-absent')).toBeTruthy();
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).queryByRole('link', { name: 'Sandbox' })).toBeNull();
  });
});
