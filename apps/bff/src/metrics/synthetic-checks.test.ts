import { CatalogSchema } from '@switchboard/shared/catalog';
import { describe, expect, it } from 'vitest';
import type { CallRequest } from '../upstreams/call-types';
import { createSyntheticChecks } from './synthetic-checks';

const catalog = CatalogSchema.parse({
  integrations: {
    users: {
      baseUrl: 'https://users.example.com',
      healthCheck: { operation: 'ping', intervalMs: 10_000 },
      operations: { ping: { path: '/ping' }, list: { path: '/users' } },
    },
    quiet: { baseUrl: 'https://quiet.example.com', operations: { list: { path: '/x' } } },
  },
});

describe('synthetic checks', () => {
  it('calls each configured operation on its interval, marked synthetic, never twice at once', async () => {
    const calls: CallRequest[] = [];
    let release: () => void = () => {};
    const checks = createSyntheticChecks({
      catalog,
      caller: {
        call: (request) => {
          calls.push(request);
          return new Promise((resolve) => {
            release = () =>
              resolve({
                ok: true,
                data: null,
                latencyMs: 1,
                attempts: 1,
                cache: 'none',
                provider: 'users',
              });
          });
        },
      },
    });
    const first = checks.runDue(0);
    expect(calls.map((c) => [c.integration, c.operation, c.synthetic])).toEqual([
      ['users', 'ping', true],
    ]);
    // Still running at its next due time: not started again.
    void checks.runDue(10_000);
    expect(calls).toHaveLength(1);
    release();
    await first;
    await checks.runDue(5_000);
    expect(calls).toHaveLength(1);
    const second = checks.runDue(10_000);
    expect(calls).toHaveLength(2);
    release();
    await second;
    checks.stop();
    expect(calls[1]?.signal.aborted).toBe(true);
  });

  it('skips an integration switched off by an operator, and checks it at once when switched back on', async () => {
    const calls: CallRequest[] = [];
    let off = true;
    const checks = createSyntheticChecks({
      catalog,
      caller: {
        call: (request) => {
          calls.push(request);
          return Promise.resolve({
            ok: true,
            data: null,
            latencyMs: 1,
            attempts: 1,
            cache: 'none',
            provider: 'users',
          });
        },
      },
      disabled: (name) => off && name === 'users',
    });
    await checks.runDue(0);
    await checks.runDue(20_000);
    expect(calls).toEqual([]);
    off = false;
    await checks.runDue(21_000);
    expect(calls.map((c) => c.integration)).toEqual(['users']);
    checks.stop();
  });
});
