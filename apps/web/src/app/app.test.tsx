// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, unauthorized } from '../test/fake-server';
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
});
