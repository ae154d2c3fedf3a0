// GET /metrics over real HTTP: Prometheus text a strict parser accepts, exact counts after known
// sandbox traffic, route patterns instead of paths, breaker gauges, and the bearer token.
import type { CatalogInput } from '@switchboard/shared/catalog';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signIn, testEnv, type TestClient } from '../auth/test-session';
import { loadConfig } from '../config/config';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';
import { sandboxCatalogConfig } from '../sandbox/providers';
import { policies } from '../upstreams/sandbox-harness';
import { parsePrometheusText, sampleValue, type MetricFamily } from './prometheus-text';

/**
 * `steady` reads the users provider (healthy); `flaky` reads the email provider, which the test
 * makes fail: two attempts per call, a retry budget and breaker that never interfere, no cache.
 */
function meteredCatalog(urls: ReadonlyMap<string, string>): CatalogInput {
  const sandbox = sandboxCatalogConfig(urls);
  const { users, email } = sandbox.integrations;
  if (!users || !email) throw new Error('the sandbox catalog lost users or email');
  return {
    integrations: {
      ...sandbox.integrations,
      steady: {
        ...users,
        policies: policies(),
        operations: { summary: { method: 'GET', path: '/v1/users/summary' } },
      },
      flaky: {
        ...email,
        healthCheck: undefined,
        policies: policies({
          retry: {
            maxAttempts: 2,
            baseDelayMs: 1,
            maxDelayMs: 2,
            budget: { ratio: 1, minPerSecond: 1000 },
          },
        }),
        operations: { summary: { method: 'GET', path: '/v1/stats' } },
      },
    },
    views: {
      ...sandbox.views,
      metered: {
        deadlineMs: 5_000,
        sources: {
          steady: { integration: 'steady', operation: 'summary' },
          flaky: { integration: 'flaky', operation: 'summary' },
        },
      },
    },
  };
}

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(new URL('/metrics', url), { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

describe('GET /metrics', () => {
  let server: RunningServer;
  let api: TestClient;
  let families: Map<string, MetricFamily>;
  const views = 3;

  beforeAll(async () => {
    server = await startServer(
      loadConfig(testEnv({ SWITCHBOARD_SANDBOX_TRAFFIC_RPS: '0' })),
      silentLogger,
      { catalog: meteredCatalog },
    );
    api = await signIn(server.url);
    await api.json('/api/sandbox/providers/email', {
      method: 'PATCH',
      body: { failureRate: 1, latencyMs: 0, jitterMs: 0 },
    });
    for (let i = 0; i < views; i += 1) await api.json('/api/views/metered');
    await api.json('/api/views/metered-nope').catch(() => undefined); // a 404 on the same route
    families = await scrape(server.url);
  });

  afterAll(async () => {
    await server.close();
  });

  it('counts every call once, by outcome, kind, provider and cache', () => {
    const calls = 'switchboard_upstream_calls_total';
    expect(families.get(calls)?.type).toBe('counter');
    expect(
      sampleValue(families, calls, {
        integration: 'steady',
        operation: 'summary',
        outcome: 'ok',
        kind: 'none',
        provider: 'steady',
        cache: 'none',
      }),
    ).toBe(views);
    expect(
      sampleValue(families, calls, {
        integration: 'flaky',
        operation: 'summary',
        outcome: 'error',
        kind: 'http_5xx',
        provider: 'flaky',
        cache: 'none',
      }),
    ).toBe(views);
  });

  it('counts every attempt: two per failing call, one per healthy one', () => {
    const attempts = 'switchboard_upstream_attempts_total';
    expect(
      sampleValue(families, attempts, { integration: 'steady', outcome: 'ok', kind: 'none' }),
    ).toBe(views);
    expect(
      sampleValue(families, attempts, { integration: 'flaky', outcome: 'error', kind: 'http_5xx' }),
    ).toBe(2 * views);
  });

  it('observes call durations in a histogram with cumulative buckets', () => {
    const family = families.get('switchboard_upstream_call_duration_seconds');
    expect(family?.type).toBe('histogram');
    const labels = { integration: 'steady', operation: 'summary', outcome: 'ok' };
    expect(sampleValue(families, 'switchboard_upstream_call_duration_seconds_count', labels)).toBe(
      views,
    );
    const buckets = (family?.samples ?? []).filter(
      (s) => s.name.endsWith('_bucket') && s.labels.integration === 'steady',
    );
    expect(buckets.map((b) => b.labels.le)).toEqual([
      ...['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10'],
      '+Inf',
    ]);
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBe(views);
  });

  it('labels inbound requests by route pattern, not by path', () => {
    const requests = 'switchboard_http_requests_total';
    expect(
      sampleValue(families, requests, { method: 'GET', route: '/api/views/:name', status: '200' }),
    ).toBe(views);
    expect(
      sampleValue(families, requests, { method: 'GET', route: '/api/views/:name', status: '404' }),
    ).toBe(1);
    const routes = new Set(families.get(requests)?.samples.map((s) => s.labels.route));
    expect([...routes].some((r) => r?.includes('metered'))).toBe(false);
    expect(
      sampleValue(families, 'switchboard_http_request_duration_seconds_count', {
        route: '/api/views/:name',
        status: '200',
      }),
    ).toBe(views);
  });

  it('has a closed breaker gauge for every integration, and rate-limit headroom', () => {
    expect(families.get('switchboard_breaker_state')?.type).toBe('gauge');
    expect(sampleValue(families, 'switchboard_breaker_state', { integration: 'steady' })).toBe(0);
    expect(sampleValue(families, 'switchboard_breaker_state', { integration: 'identity' })).toBe(0);
    const headroom = sampleValue(families, 'switchboard_rate_limit_headroom', {
      integration: 'steady',
    });
    expect(headroom).toBeGreaterThan(0);
    expect(headroom).toBeLessThanOrEqual(1);
  });

  it('includes the default process metrics', () => {
    expect(families.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
  });

  it('follows breaker transitions: 2 when held open, 0 once released', async () => {
    await api.json('/api/integrations/steady/breaker', { body: { action: 'force-open' } });
    const open = await scrape(server.url);
    expect(sampleValue(open, 'switchboard_breaker_state', { integration: 'steady' })).toBe(2);
    await api.json('/api/integrations/steady/breaker', { body: { action: 'release' } });
    const released = await scrape(server.url);
    expect(sampleValue(released, 'switchboard_breaker_state', { integration: 'steady' })).toBe(0);
  });
});

describe('GET /metrics with SWITCHBOARD_METRICS_TOKEN', () => {
  const token = 'metrics-token-for-tests-0001';
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(
      loadConfig(testEnv({ SWITCHBOARD_METRICS_TOKEN: token })),
      silentLogger,
    );
  });

  afterAll(async () => {
    await server.close();
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer metrics-token-for-tests-0002' }],
    ['another scheme', { authorization: `Basic ${token}` }],
  ])('answers 401 in the JSON error shape for %s', async (_why, headers) => {
    const response = await fetch(new URL('/metrics', server.url), { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = ErrorBodySchema.parse(await response.json());
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('is described in the OpenAPI document, with its bearer scheme', async () => {
    const doc = z
      .object({
        paths: z.record(z.string(), z.unknown()),
        components: z.object({ securitySchemes: z.record(z.string(), z.unknown()) }),
      })
      .parse(await (await fetch(new URL('/api/openapi.json', server.url))).json());
    expect(doc.paths['/metrics']).toBeDefined();
    expect(doc.components.securitySchemes.metricsToken).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
  });

  it('serves the metrics for the right token, with no session needed', async () => {
    const families = await scrape(server.url, { authorization: `Bearer ${token}` });
    expect(families.has('switchboard_upstream_calls_total')).toBe(true);
  });
});
