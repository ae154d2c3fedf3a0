// The sandbox control API over real HTTP: listing providers, validating fault changes, and their effect on the providers.
import {
  ErrorBodySchema,
  FieldIssueSchema,
  type ErrorBody,
  type FieldIssue,
} from '@switchboard/shared/errors';
import {
  SandboxProviderListSchema,
  SandboxProviderSchema,
  type SandboxProvider,
} from '@switchboard/shared/sandbox';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { signIn, testEnv, type TestClient } from '../auth/test-session';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';

let server: RunningServer | undefined;
let api: TestClient;

function running(): RunningServer {
  if (!server) throw new Error('the BFF is not running: beforeAll did not complete');
  return server;
}

const url = (path: string) => `http://127.0.0.1:${running().port}${path}`;

const ValidationDetailsSchema = z.object({ target: z.string(), issues: z.array(FieldIssueSchema) });

function patch(name: string, body: string, contentType = 'application/json'): Promise<Response> {
  return api.fetch(url(`/api/sandbox/providers/${name}`), {
    method: 'PATCH',
    headers: { 'content-type': contentType },
    body,
  });
}

async function listProviders(): Promise<SandboxProvider[]> {
  const response = await api.fetch(url('/api/sandbox/providers'));
  expect(response.status).toBe(200);
  return SandboxProviderListSchema.parse(await response.json()).providers;
}

async function provider(name: string): Promise<SandboxProvider> {
  const found = (await listProviders()).find((p) => p.name === name);
  if (!found) throw new Error(`no sandbox provider ${name}`);
  return found;
}

async function errorBody(response: Response): Promise<ErrorBody> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return ErrorBodySchema.parse(await response.json());
}

async function validationIssues(response: Response): Promise<FieldIssue[]> {
  expect(response.status).toBe(400);
  const body = await errorBody(response);
  expect(body.error.code).toBe('validation_failed');
  const details = ValidationDetailsSchema.parse(body.error.details);
  expect(details.target).toBe('json');
  return details.issues;
}

beforeAll(async () => {
  server = await startServer(loadConfig(testEnv()), silentLogger);
  api = await signIn(url(''), 'operator');
});

afterEach(async () => {
  const response = await api.fetch(url('/api/sandbox/reset'), { method: 'POST' });
  expect(response.status).toBe(200);
});

afterAll(async () => {
  await server?.close();
});

describe('GET /api/sandbox/providers', () => {
  it('lists the five providers, each listening on loopback with healthy faults', async () => {
    const providers = await listProviders();
    expect(providers.map((p) => p.name)).toEqual([
      'users',
      'payments',
      'email',
      'email-backup',
      'analytics',
    ]);
    const { sandbox } = running();
    if (!sandbox) throw new Error('the sandbox is not running');
    for (const p of providers) {
      expect(new URL(p.baseUrl).hostname).toBe('127.0.0.1');
      expect(new URL(p.baseUrl).port).not.toBe('0');
      expect(p.baseUrl).toBe(sandbox.baseUrls.get(p.name));
      expect(p.faults.failureRate).toBe(0);
    }
    expect(new Set(providers.map((p) => p.baseUrl)).size).toBe(providers.length);
  });
});

describe('PATCH /api/sandbox/providers/:name', () => {
  it('changes only the fields sent and answers the provider as it now is', async () => {
    const before = await provider('payments');
    const othersBefore = (await listProviders()).filter((p) => p.name !== 'payments');
    const response = await patch('payments', JSON.stringify({ latencyMs: 150 }));
    expect(response.status).toBe(200);
    const updated = SandboxProviderSchema.parse(await response.json());
    expect(updated.faults).toEqual({ ...before.faults, latencyMs: 150 });
    expect((await provider('payments')).faults).toEqual(updated.faults);
    const othersAfter = (await listProviders()).filter((p) => p.name !== 'payments');
    expect(othersAfter.map((p) => p.faults)).toEqual(othersBefore.map((p) => p.faults));
  });

  it('refuses out-of-range values with 400 validation_failed naming each field', async () => {
    const issues = await validationIssues(
      await patch('users', JSON.stringify({ latencyMs: -1, jitterMs: 1.5, failureRate: 2 })),
    );
    expect(issues.map((i) => i.path).toSorted()).toEqual(['failureRate', 'jitterMs', 'latencyMs']);
    for (const issue of issues) expect(issue.message).not.toBe('');
  });

  it('refuses a value of the wrong type', async () => {
    const issues = await validationIssues(
      await patch('users', JSON.stringify({ failureRate: 'all' })),
    );
    expect(issues.map((i) => i.path)).toEqual(['failureRate']);
  });

  it('refuses unknown fields and names them', async () => {
    const issues = await validationIssues(await patch('users', JSON.stringify({ latency: 100 })));
    expect(issues).toContainEqual({ path: 'latency', message: 'Unknown field' });
  });

  it('refuses a change that changes nothing, with or without a body', async () => {
    const empty = await validationIssues(await patch('users', JSON.stringify({})));
    expect(empty[0]?.message).toContain('at least one');
    const response = await api.fetch(url('/api/sandbox/providers/users'), { method: 'PATCH' });
    expect(response.status).toBe(400);
  });

  it('leaves the provider untouched when the change is refused', async () => {
    const before = await provider('email');
    await validationIssues(await patch('email', JSON.stringify({ latencyMs: 10, failureRate: 3 })));
    expect((await provider('email')).faults).toEqual(before.faults);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await patch('users', 'failureRate=1', 'text/plain');
    expect(response.status).toBe(415);
    expect((await errorBody(response)).error.code).toBe('unsupported_media_type');
    expect((await provider('users')).faults.failureRate).toBe(0);
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await patch('users', '{"failureRate": ');
    expect(response.status).toBe(400);
    expect((await errorBody(response)).error.code).toBe('bad_request');
  });

  it('answers 404 for a provider that does not exist', async () => {
    const response = await patch('no-such-provider', JSON.stringify({ latencyMs: 1 }));
    expect(response.status).toBe(404);
    const body = await errorBody(response);
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).toContain('no-such-provider');
  });

  it('answers 400 for a provider name that is not a valid name', async () => {
    const response = await patch('Not_A_Name', JSON.stringify({ latencyMs: 1 }));
    expect(response.status).toBe(400);
    const body = await errorBody(response);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details).toMatchObject({ target: 'param', issues: [{ path: 'name' }] });
  });

  it('changes what the provider server itself answers, until reset', async () => {
    const users = await provider('users');
    const summaryUrl = new URL('v1/users/summary', users.baseUrl);

    const healthy = await fetch(summaryUrl);
    expect(healthy.status).toBe(200);
    await healthy.body?.cancel();

    expect((await patch('users', JSON.stringify({ failureRate: 1 }))).status).toBe(200);
    const failing = await fetch(summaryUrl);
    expect(failing.status).toBe(503);
    await failing.body?.cancel();

    const reset = await api.fetch(url('/api/sandbox/reset'), { method: 'POST' });
    expect(reset.status).toBe(200);
    const afterReset = SandboxProviderListSchema.parse(await reset.json()).providers.find(
      (p) => p.name === 'users',
    );
    expect(afterReset?.faults.failureRate).toBe(0);
    const recovered = await fetch(summaryUrl);
    expect(recovered.status).toBe(200);
    await recovered.body?.cancel();

    // Every request reached the provider and was counted, failed or not.
    expect((await provider('users')).requests).toBe(users.requests + 3);
  });

  it('applies latency to the provider server', async () => {
    // users asks for no credentials, so a bare fetch measures the latency alone.
    const users = await provider('users');
    expect((await patch('users', JSON.stringify({ latencyMs: 250, jitterMs: 0 }))).status).toBe(
      200,
    );
    const start = performance.now();
    const response = await fetch(new URL('v1/users/summary', users.baseUrl));
    await response.text();
    expect(response.status).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(245);
  });
});
