// The simulated upstream providers: small Hono apps with run-time fault injection, served on loopback.
import type { ProviderFaults, ProviderFaultsPatch } from '@switchboard/shared/sandbox';
import { Hono } from 'hono';
import type { IntegrationConfig, ViewConfig } from '../upstreams/integrations';

export interface ProviderDefinition {
  name: string;
  /** The read used by the overview view. */
  summary: { path: string; body: (n: number) => unknown };
}

/** The providers the sandbox runs; the names match the integrations they stand in for. */
export const sandboxProviders: ProviderDefinition[] = [
  {
    name: 'users',
    summary: {
      path: '/v1/users/summary',
      body: (n) => ({ total: 1200 + n, activeToday: 300 + (n % 50), newThisWeek: 42 }),
    },
  },
  {
    name: 'payments',
    summary: {
      path: '/v1/balance',
      body: (n) => ({ currency: 'EUR', available: 1_250_000 + n * 10, pending: 84_000 }),
    },
  },
  {
    name: 'email',
    summary: {
      path: '/v1/stats',
      body: (n) => ({ sentToday: 5400 + n, bounced: 12, queued: n % 7 }),
    },
  },
  {
    name: 'email-backup',
    summary: {
      path: '/v1/stats',
      body: (n) => ({ sentToday: 30 + (n % 3), bounced: 0, queued: 0 }),
    },
  },
  {
    name: 'analytics',
    summary: {
      path: '/v1/summary',
      body: (n) => ({ events: 98_000 + n * 3, activeSessions: 211 }),
    },
  },
];

export const healthyFaults = (): ProviderFaults => ({
  latencyMs: 20,
  jitterMs: 30,
  failureRate: 0,
});

export interface ProviderState {
  readonly definition: ProviderDefinition;
  faults: ProviderFaults;
  requests: number;
}

export interface ProviderRuntime {
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Builds one provider's HTTP app; every request goes through its current faults. */
export function createProviderApp(state: ProviderState, runtime: ProviderRuntime): Hono {
  const app = new Hono();
  app.use('*', async function injectFaults(c, next) {
    state.requests += 1;
    const { latencyMs, jitterMs, failureRate } = state.faults;
    const delay = latencyMs + (jitterMs > 0 ? runtime.random() * jitterMs : 0);
    if (delay > 0) await runtime.sleep(delay, c.req.raw.signal);
    if (failureRate > 0 && runtime.random() < failureRate) {
      return c.json({ error: { message: `simulated failure of ${state.definition.name}` } }, 503);
    }
    return next();
  });
  app.get(state.definition.summary.path, (c) =>
    c.json(state.definition.summary.body(state.requests)),
  );
  app.notFound((c) => c.json({ error: { message: 'no such sandbox endpoint' } }, 404));
  return app;
}

export function applyFaultsPatch(state: ProviderState, patch: ProviderFaultsPatch): void {
  state.faults = { ...state.faults, ...patch };
}

/** The catalog the sandbox's providers make: one integration each and the overview view over them. */
export function sandboxCatalog(baseUrls: ReadonlyMap<string, string>): {
  integrations: IntegrationConfig[];
  views: ViewConfig[];
} {
  const integrations = sandboxProviders.map((p): IntegrationConfig => {
    const baseUrl = baseUrls.get(p.name);
    if (!baseUrl) throw new Error(`sandbox provider ${p.name} is not listening`);
    return {
      name: p.name,
      baseUrl,
      timeoutMs: 1000,
      operations: { summary: { method: 'GET', path: p.summary.path } },
    };
  });
  return {
    integrations,
    views: [
      {
        name: 'overview',
        deadlineMs: 2000,
        sources: integrations.map((i) => ({ integration: i.name, operation: 'summary' })),
      },
    ],
  };
}
