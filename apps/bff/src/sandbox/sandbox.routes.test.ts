// The sandbox control API's newer routes (effects, traffic, the extended faults) through app.request,
// with the providers themselves on real loopback servers.
import { OpenAPIHono } from '@hono/zod-openapi';
import { ErrorBodySchema, FieldIssueSchema } from '@switchboard/shared/errors';
import {
  healthyProviderFaults,
  SandboxProviderListSchema,
  SandboxProviderSchema,
  SideEffectsSchema,
  TrafficRateSchema,
} from '@switchboard/shared/sandbox';
import { requestId } from 'hono/request-id';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env';
import { createErrorHandler, handleNotFound } from '../http/errors';
import { silentLogger } from '../http/logger';
import { requireJson } from '../http/require-json';
import { startSandboxServers, type RunningSandbox } from '../runtime/node/sandbox-servers';
import { createSandboxRoutes } from './sandbox.routes';
import { createTrafficGenerator, type RepeatTimer, type TrafficControl } from './traffic';

let running: RunningSandbox | undefined;

function sandbox(): RunningSandbox {
  if (!running) throw new Error('the sandbox is not running: beforeAll did not complete');
  return running;
}

/** The control API mounted the way app.ts mounts it, with the same error handling. */
function controlApi(traffic?: TrafficControl) {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestId());
  app.use('/api/*', requireJson());
  app.onError(createErrorHandler(silentLogger));
  app.route('/', createSandboxRoutes(sandbox().sandbox, traffic ? { traffic } : {}));
  app.notFound(handleNotFound);
  return app;
}

const json = (method: string, body: string) => ({
  method,
  headers: { 'content-type': 'application/json' },
  body,
});

async function issuePaths(response: Response): Promise<string[]> {
  expect(response.status).toBe(400);
  const body = ErrorBodySchema.parse(await response.json());
  expect(body.error.code).toBe('validation_failed');
  return z
    .object({ issues: z.array(FieldIssueSchema) })
    .parse(body.error.details)
    .issues.map((i) => i.path);
}

beforeAll(async () => {
  running = await startSandboxServers();
});

afterEach(() => {
  sandbox().sandbox.reset();
});

afterAll(async () => {
  await running?.close();
});

describe('GET /api/sandbox/providers', () => {
  it('lists the five upstreams and, apart, the identity provider, all with healthy faults', async () => {
    const response = await controlApi().request('/api/sandbox/providers');
    expect(response.status).toBe(200);
    const listing = SandboxProviderListSchema.parse(await response.json());
    expect(listing.providers.map((p) => p.name)).toEqual([
      'users',
      'payments',
      'email',
      'email-backup',
      'analytics',
    ]);
    expect(listing.authServers.map((p) => p.name)).toEqual(['identity']);
    for (const p of [...listing.providers, ...listing.authServers]) {
      expect(p.faults).toEqual(healthyProviderFaults());
    }
  });
});

describe('PATCH /api/sandbox/providers/:name with the extended faults', () => {
  const patch = (name: string, body: unknown) =>
    controlApi().request(`/api/sandbox/providers/${name}`, json('PATCH', JSON.stringify(body)));

  it('changes one field at a time, nested rate limit included', async () => {
    const response = await patch('payments', { rateLimit: { perSecond: 5 } });
    expect(response.status).toBe(200);
    const updated = SandboxProviderSchema.parse(await response.json());
    expect(updated.faults).toEqual({ ...healthyProviderFaults(), rateLimit: { perSecond: 5 } });

    const storm = SandboxProviderSchema.parse(
      await (await patch('payments', { rateLimitStorm: true, errorStatus: 504 })).json(),
    );
    expect(storm.faults).toMatchObject({
      rateLimit: { perSecond: 5 },
      rateLimitStorm: true,
      errorStatus: 504,
    });
  });

  it('patches the identity provider too, e.g. a short token lifetime', async () => {
    const response = await patch('identity', { tokenLifetimeSeconds: 5 });
    expect(response.status).toBe(200);
    expect(SandboxProviderSchema.parse(await response.json()).faults.tokenLifetimeSeconds).toBe(5);
  });

  it('refuses out-of-range and ill-typed values, naming each field', async () => {
    const paths = await issuePaths(
      await patch('users', {
        errorStatus: 404,
        hangRate: 1.5,
        resetRate: -0.1,
        malformedRate: 2,
        schemaDriftRate: 'often',
        slowBodyMs: 60_001,
        latencyP99Ms: 2.5,
        rateLimitStorm: 'yes',
        tokenLifetimeSeconds: 0,
        rateLimit: { perSecond: -1 },
      }),
    );
    expect(paths.toSorted()).toEqual(
      [
        'errorStatus',
        'hangRate',
        'latencyP99Ms',
        'malformedRate',
        'rateLimit.perSecond',
        'rateLimitStorm',
        'resetRate',
        'schemaDriftRate',
        'slowBodyMs',
        'tokenLifetimeSeconds',
      ].toSorted(),
    );
  });

  it('refuses unknown nested fields', async () => {
    const paths = await issuePaths(await patch('users', { rateLimit: { perSecond: 1, burst: 2 } }));
    expect(paths).toEqual(['rateLimit.burst']);
  });
});

describe('GET /api/sandbox/providers/:name/effects', () => {
  const effects = async (name: string) => {
    const response = await controlApi().request(`/api/sandbox/providers/${name}/effects`);
    expect(response.status).toBe(200);
    return SideEffectsSchema.parse(await response.json());
  };
  const createUser = async (key?: string) => {
    const baseUrl = sandbox().baseUrls.get('users') ?? '';
    const response = await fetch(new URL('v1/users', baseUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: JSON.stringify({ name: 'Barbara', email: 'barbara@example.com' }),
    });
    expect(response.status).toBe(201);
    await response.body?.cancel();
  };

  it('counts effects in total and per key, and reset zeroes them', async () => {
    expect(await effects('users')).toEqual({ total: 0, byKey: {}, replays: 0 });
    await createUser('a');
    await createUser('a');
    await createUser();
    expect(await effects('users')).toEqual({ total: 2, byKey: { a: 1 }, replays: 1 });
    expect(await effects('payments')).toEqual({ total: 0, byKey: {}, replays: 0 });

    const reset = await controlApi().request('/api/sandbox/reset', { method: 'POST' });
    expect(reset.status).toBe(200);
    SandboxProviderListSchema.parse(await reset.json());
    expect(await effects('users')).toEqual({ total: 0, byKey: {}, replays: 0 });
    // After a reset the same key acts again: the stored answers went with the counters.
    await createUser('a');
    expect(await effects('users')).toEqual({ total: 1, byKey: { a: 1 }, replays: 0 });
  });

  it('answers 404 for an unknown provider and 400 for an invalid name', async () => {
    const missing = await controlApi().request('/api/sandbox/providers/nope/effects');
    expect(missing.status).toBe(404);
    expect(ErrorBodySchema.parse(await missing.json()).error.code).toBe('not_found');
    const invalid = await controlApi().request('/api/sandbox/providers/Bad_Name/effects');
    expect(invalid.status).toBe(400);
  });
});

describe('GET and PUT /api/sandbox/traffic', () => {
  function trafficWithTimers(perSecond: number) {
    const intervals: number[] = [];
    const repeat: RepeatTimer = (ms) => {
      intervals.push(ms);
      return () => intervals.splice(intervals.indexOf(ms), 1);
    };
    const traffic = createTrafficGenerator(perSecond, () => Promise.resolve(), { repeat });
    traffic.start();
    return { traffic, intervals };
  }
  const put = (app: OpenAPIHono<AppEnv>, body: string, contentType = 'application/json') =>
    app.request('/api/sandbox/traffic', {
      method: 'PUT',
      headers: { 'content-type': contentType },
      body,
    });

  it('reads the rate and changes it at once', async () => {
    const { traffic, intervals } = trafficWithTimers(2);
    const app = controlApi(traffic);
    const before = await app.request('/api/sandbox/traffic');
    expect(TrafficRateSchema.parse(await before.json())).toEqual({ perSecond: 2 });

    const changed = await put(app, JSON.stringify({ perSecond: 40 }));
    expect(changed.status).toBe(200);
    expect(TrafficRateSchema.parse(await changed.json())).toEqual({ perSecond: 40 });
    expect(intervals).toEqual([25]);

    expect((await put(app, JSON.stringify({ perSecond: 0 }))).status).toBe(200);
    expect(intervals).toEqual([]);
    traffic.stop();
  });

  it('refuses rates outside 0..200, other fields and non-JSON bodies', async () => {
    const { traffic } = trafficWithTimers(2);
    const app = controlApi(traffic);
    expect(await issuePaths(await put(app, JSON.stringify({ perSecond: 201 })))).toEqual([
      'perSecond',
    ]);
    expect(await issuePaths(await put(app, JSON.stringify({ perSecond: -1 })))).toEqual([
      'perSecond',
    ]);
    expect(await issuePaths(await put(app, JSON.stringify({})))).toEqual(['perSecond']);
    expect(await issuePaths(await put(app, JSON.stringify({ perSecond: 1, rps: 1 })))).toEqual([
      'rps',
    ]);
    expect((await put(app, 'perSecond=5', 'text/plain')).status).toBe(415);
    expect(traffic.perSecond()).toBe(2);
    traffic.stop();
  });

  it('answers 404 when no traffic generator runs', async () => {
    const app = controlApi();
    const read = await app.request('/api/sandbox/traffic');
    expect(read.status).toBe(404);
    expect(ErrorBodySchema.parse(await read.json()).error.code).toBe('not_found');
    expect((await put(app, JSON.stringify({ perSecond: 1 }))).status).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('documents the new routes and schemas', () => {
    const doc = createSandboxRoutes(sandbox().sandbox).getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'sandbox', version: '0' },
    });
    expect(Object.keys(doc.paths ?? {})).toEqual(
      expect.arrayContaining([
        '/api/sandbox/providers/{name}/effects',
        '/api/sandbox/traffic',
      ]) as string[],
    );
    expect(Object.keys(doc.components?.schemas ?? {})).toEqual(
      expect.arrayContaining(['SideEffects', 'TrafficRate', 'ProviderFaults']) as string[],
    );
  });
});
