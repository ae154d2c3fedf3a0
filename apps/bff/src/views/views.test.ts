// Views over real HTTP: the BFF fans out to the sandbox providers on loopback, with faults injected per test.
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { BusEventSchema, type UpstreamCallEvent } from '@switchboard/shared/events';
import { SandboxProviderListSchema, type ProviderFaultsPatch } from '@switchboard/shared/sandbox';
import {
  ViewResultSchema,
  type SourceResult,
  type ViewResult,
} from '@switchboard/shared/upstreams';
import { ViewListSchema } from '@switchboard/shared/views';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogInput } from '@switchboard/shared/catalog';
import { loadConfig } from '../config/config';
import { signIn, testEnv, type TestClient } from '../auth/test-session';
import { sandboxCatalogConfig } from '../sandbox/providers';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';

let server: RunningServer | undefined;
let api: TestClient;
/** Provider names as the control API lists them, so the views are checked against the running sandbox. */
let providerNames: string[] = [];

function running(): RunningServer {
  if (!server) throw new Error('the BFF is not running: beforeAll did not complete');
  return server;
}

const url = (path: string) => `http://127.0.0.1:${running().port}${path}`;

async function patchProvider(name: string, patch: ProviderFaultsPatch): Promise<void> {
  const response = await api.fetch(url(`/api/sandbox/providers/${name}`), {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  if (response.status !== 200)
    throw new Error(`PATCH ${name} answered ${response.status}: ${await response.text()}`);
}

async function runOverview(): Promise<{ status: number; elapsedMs: number; result: ViewResult }> {
  const start = performance.now();
  const response = await api.fetch(url('/api/views/overview'));
  const body: unknown = await response.json();
  const elapsedMs = performance.now() - start;
  return { status: response.status, elapsedMs, result: ViewResultSchema.parse(body) };
}

function source(result: ViewResult, name: string): SourceResult {
  const section = result.sources[name];
  if (!section)
    throw new Error(
      `the view has no section for ${name}; it has ${Object.keys(result.sources).join(', ')}`,
    );
  return section;
}

/**
 * The sandbox's catalog with one attempt per call, a 1 s call timeout and no caching, so each view
 * run shows exactly what the providers did (retries and caching have tests of their own).
 */
function plainCatalog(urls: ReadonlyMap<string, string>): CatalogInput {
  const catalog = sandboxCatalogConfig(urls);
  return {
    ...catalog,
    integrations: Object.fromEntries(
      Object.entries(catalog.integrations).map(([name, integration]) => [
        name,
        {
          ...integration,
          policies: {
            ...integration.policies,
            retry: { maxAttempts: 1 },
            timeout: { totalMs: 1000 },
          },
          operations: Object.fromEntries(
            Object.entries(integration.operations).map(([op, operation]) => [
              op,
              { ...operation, policies: {} },
            ]),
          ),
        },
      ]),
    ),
  };
}

beforeAll(async () => {
  server = await startServer(loadConfig(testEnv()), silentLogger, { catalog: plainCatalog });
  api = await signIn(url(''), 'operator');
  const response = await api.fetch(url('/api/sandbox/providers'));
  providerNames = SandboxProviderListSchema.parse(await response.json()).providers.map(
    (p) => p.name,
  );
});

afterEach(() => {
  const { sandbox } = running();
  if (!sandbox) throw new Error('the sandbox is not running');
  sandbox.sandbox.reset();
});

afterAll(async () => {
  await server?.close();
});

describe('GET /api/views/overview', () => {
  it('has one section per sandbox provider', async () => {
    const { status, result } = await runOverview();
    expect(status).toBe(200);
    expect(providerNames).toHaveLength(5);
    expect(Object.keys(result.sources).toSorted()).toEqual(providerNames.toSorted());
    expect(result.view).toBe('overview');
    for (const name of providerNames) {
      const section = source(result, name);
      expect(section.integration).toBe(name);
      expect(section.operation).toBe('summary');
      expect(section.status).toBe('ok');
      expect(section.data).toBeTypeOf('object');
    }
  });

  it('calls every source in parallel: total time is one latency, not the sum', async () => {
    const latencyMs = 300;
    await Promise.all(providerNames.map((name) => patchProvider(name, { latencyMs, jitterMs: 0 })));

    const { status, elapsedMs, result } = await runOverview();

    expect(status).toBe(200);
    for (const name of providerNames) {
      const section = source(result, name);
      expect(section.status, name).toBe('ok');
      // Timers may fire a fraction of a millisecond early relative to performance.now().
      expect(section.latencyMs, name).toBeGreaterThanOrEqual(latencyMs - 5);
    }
    expect(elapsedMs).toBeGreaterThanOrEqual(latencyMs);
    // Sequential calls would take 5 × 300 = 1500 ms.
    expect(elapsedMs).toBeLessThan(900);
    expect(result.latencyMs).toBeLessThan(900);
  });

  it('reports a slow source as a timeout at the integration timeout, and still answers the rest in time', async () => {
    const [slow, ...others] = providerNames;
    if (slow === undefined) throw new Error('no sandbox providers');
    await patchProvider(slow, { latencyMs: 5000, jitterMs: 0 });

    const { status, elapsedMs, result } = await runOverview();

    expect(status).toBe(200);
    const section = source(result, slow);
    expect(section.status).toBe('timeout');
    expect(section.error?.kind).toBe('timeout');
    expect(section.data).toBeUndefined();
    // The integration timeout is 1000 ms; the view deadline (2000 ms) is not what stopped it.
    expect(section.latencyMs).toBeGreaterThanOrEqual(990);
    expect(section.latencyMs).toBeLessThan(1500);
    for (const name of others) expect(source(result, name).status, name).toBe('ok');
    expect(elapsedMs).toBeLessThan(1800);
  });

  it('reports a failing source as an error with its HTTP status; the view itself is 200', async () => {
    const [failing, ...others] = providerNames;
    if (failing === undefined) throw new Error('no sandbox providers');
    await patchProvider(failing, { failureRate: 1 });

    const { status, result } = await runOverview();

    expect(status).toBe(200);
    const section = source(result, failing);
    expect(section.status).toBe('error');
    expect(section.error).toMatchObject({ kind: 'http_5xx', httpStatus: 503 });
    for (const name of others) expect(source(result, name).status, name).toBe('ok');
  });

  it('publishes one upstream.call event per source on the bus', async () => {
    const failing = providerNames[1];
    if (failing === undefined) throw new Error('fewer than two sandbox providers');
    await patchProvider(failing, { failureRate: 1 });
    const events: UpstreamCallEvent[] = [];
    const unsubscribe = running().switchboard.bus.subscribe((event) => {
      const parsed = BusEventSchema.parse(event);
      if (parsed.type === 'upstream.call') events.push(parsed);
    });

    try {
      const { result } = await runOverview();
      // Each call publishes before it returns, so every event is in by the time the view answers.
      expect(events).toHaveLength(providerNames.length);
      expect(events.map((e) => e.integration).toSorted()).toEqual(providerNames.toSorted());
      for (const event of events) {
        expect(event.operation).toBe('summary');
        expect(event.attempts).toBe(1);
        if (event.integration === failing) {
          expect(event).toMatchObject({ outcome: 'error', kind: 'http_5xx', httpStatus: 503 });
        } else {
          expect(event).toMatchObject({
            outcome: 'ok',
            provider: event.integration,
            cache: 'none',
          });
          expect(event.kind).toBeUndefined();
        }
        expect(event.latencyMs).toBeCloseTo(source(result, event.integration).latencyMs, 0);
      }
      // One trace per view run: every call of the fan-out carries the same trace id.
      expect(new Set(events.map((e) => e.traceId)).size).toBe(1);
    } finally {
      unsubscribe();
    }
  });
});

describe('GET /api/views', () => {
  it('cancels the calls in flight when the client goes away', async () => {
    await Promise.all(
      providerNames.map((name) => patchProvider(name, { latencyMs: 800, jitterMs: 0 })),
    );
    const events: UpstreamCallEvent[] = [];
    let allIn: () => void = () => {};
    const done = new Promise<void>((resolve) => (allIn = resolve));
    const unsubscribe = running().switchboard.bus.subscribe((event) => {
      const parsed = BusEventSchema.parse(event);
      if (parsed.type !== 'upstream.call') return;
      events.push(parsed);
      if (events.length === providerNames.length) allIn();
    });
    try {
      const gone = new AbortController();
      const request = api.fetch(url('/api/views/overview'), { signal: gone.signal });
      setTimeout(() => gone.abort(), 150);
      await expect(request).rejects.toThrow();
      await done;
      for (const event of events) {
        expect(event).toMatchObject({ outcome: 'error', kind: 'cancelled' });
        // Ended by the disconnect, not by the provider's 800 ms or the 1 s call timeout.
        expect(event.latencyMs).toBeLessThan(700);
      }
    } finally {
      unsubscribe();
    }
  });

  it('lists every declared view with its deadline and sources, dependencies included', async () => {
    const response = await api.fetch(url('/api/views'));
    expect(response.status).toBe(200);
    const { items } = ViewListSchema.parse(await response.json());
    expect(items.map((v) => v.name)).toEqual(['messaging', 'overview', 'user-profile']);
    const profile = items.find((v) => v.name === 'user-profile');
    expect(profile).toEqual({
      name: 'user-profile',
      deadlineMs: 2000,
      sources: [
        { id: 'users', integration: 'users', operation: 'list', dependsOn: [] },
        { id: 'profile', integration: 'users', operation: 'get', dependsOn: ['users'] },
      ],
    });
  });
});

describe('GET /api/views/messaging', () => {
  it('answers the email source from the backup provider while the primary fails', async () => {
    await patchProvider('email', { failureRate: 1 });

    const response = await api.fetch(url('/api/views/messaging'));
    expect(response.status).toBe(200);
    const result = ViewResultSchema.parse(await response.json());
    expect(source(result, 'email')).toMatchObject({
      integration: 'email',
      provider: 'email-backup',
      status: 'fallback',
      error: { kind: 'http_5xx', httpStatus: 503 },
    });
    expect(source(result, 'users').status).toBe('ok');
  });
});

describe('GET /api/views/:name errors', () => {
  it('answers 404 in the shared error shape for a view that does not exist', async () => {
    const response = await api.fetch(url('/api/views/no-such-view'));
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = ErrorBodySchema.parse(await response.json());
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).toContain('no-such-view');
    expect(body.error.requestId).not.toBe('');
    expect(response.headers.get('x-request-id')).toBe(body.error.requestId);
  });

  it('answers 400 validation_failed for a view name that is not a valid name', async () => {
    const response = await api.fetch(url('/api/views/BAD!'));
    expect(response.status).toBe(400);
    const body = ErrorBodySchema.parse(await response.json());
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details).toMatchObject({ target: 'param', issues: [{ path: 'name' }] });
  });
});
