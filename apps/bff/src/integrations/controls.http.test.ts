// Operator controls over a real server and the real sandbox: kill switch, provider switch and breaker
// reset — roles, audit entries, bus events, /api/integrations and the live stream all agree.
import { AuditListSchema } from '@switchboard/shared/auth';
import type { BusEvent } from '@switchboard/shared/events';
import { IntegrationListSchema, IntegrationStateSchema } from '@switchboard/shared/integrations';
import { SandboxProviderListSchema } from '@switchboard/shared/sandbox';
import { IntegrationSampleMessageSchema } from '@switchboard/shared/stream';
import { ViewResultSchema } from '@switchboard/shared/upstreams';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signIn, testEnv, type TestClient } from '../auth/test-session';
import { loadConfig } from '../config/config';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';

let server: RunningServer;
let operator: TestClient;
let viewer: TestClient;
let admin: TestClient;
const events: BusEvent[] = [];

beforeAll(async () => {
  server = await startServer(loadConfig(testEnv()), silentLogger);
  server.switchboard.bus.subscribe((e) => events.push(e));
  admin = await signIn(server.url, 'admin');
  operator = await signIn(server.url, 'operator');
  viewer = await signIn(server.url, 'viewer');
  // A server and three password hashes: slow on a loaded machine.
}, 60_000);

afterEach(async () => {
  for (const name of ['users', 'email']) {
    await admin.json(`/api/integrations/${name}/kill-switch`, { body: { action: 'enable' } });
    await admin.json(`/api/integrations/${name}/breaker`, { body: { action: 'release' } });
  }
  await admin.json('/api/integrations/email/provider', { body: { mode: 'automatic' } });
  events.length = 0;
});

afterAll(async () => {
  await server?.close();
});

const state = async (client: TestClient, name: string) =>
  IntegrationStateSchema.parse(await client.json(`/api/integrations/${name}`));

async function requestsTo(provider: string): Promise<number> {
  const list = SandboxProviderListSchema.parse(await admin.json('/api/sandbox/providers'));
  const found = list.providers.find((p) => p.name === provider);
  if (!found) throw new Error(`no sandbox provider ${provider}`);
  return found.requests;
}

async function auditOf(action: string) {
  return AuditListSchema.parse(await admin.json(`/api/admin/audit?action=${action}`)).items;
}

/** Calls email.send through the engine (no route sends mail), with a fresh message each time. */
function sendEmail() {
  return server.switchboard.engine.call({
    integration: 'email',
    operation: 'send',
    body: { to: 'reader@example.com', subject: 'hello' },
    signal: AbortSignal.timeout(5_000),
    traceId: '0af7651916cd43dd8448eb211c80319c',
  });
}

describe('kill switch', () => {
  it('makes calls fail fast with kind `disabled` and no upstream request, audited and published, until enabled', async () => {
    const before = await requestsTo('users');
    const after = IntegrationStateSchema.parse(
      await operator.json('/api/integrations/users/kill-switch', { body: { action: 'disable' } }),
    );
    expect(after.controls).toEqual({ enabled: false, provider: 'automatic' });

    const view = ViewResultSchema.parse(await viewer.json('/api/views/overview'));
    expect(view.sources.users).toMatchObject({
      status: 'error',
      attempts: 0,
      error: { kind: 'disabled', message: 'users is disabled by an operator (kill switch)' },
    });
    // Other integrations are untouched.
    expect(view.sources.payments?.status).toBe('ok');
    expect(await requestsTo('users')).toBe(before);

    const list = IntegrationListSchema.parse(await viewer.json('/api/integrations'));
    expect(list.items.find((i) => i.name === 'users')?.controls.enabled).toBe(false);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'integration.control',
        integration: 'users',
        control: 'kill-switch',
        enabled: false,
        actor: expect.stringMatching(/^operator-/) as unknown,
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'upstream.call',
        integration: 'users',
        kind: 'disabled',
        attempts: 0,
      }),
    );
    const [entry] = await auditOf('integration.toggled');
    expect(entry).toMatchObject({
      action: 'integration.toggled',
      target: 'integration:users',
      details: { action: 'disable', from: { enabled: true } },
    });

    await operator.json('/api/integrations/users/kill-switch', { body: { action: 'enable' } });
    const again = ViewResultSchema.parse(await viewer.json('/api/views/overview'));
    expect(again.sources.users?.status).not.toBe('error');
    expect((await state(viewer, 'users')).controls.enabled).toBe(true);
  });

  it('lets the backup provider answer for a disabled integration that has one', async () => {
    const primary = await requestsTo('email');
    await operator.json('/api/integrations/email/kill-switch', { body: { action: 'disable' } });
    const outcome = await sendEmail();
    expect(outcome).toMatchObject({
      ok: true,
      provider: 'email-backup',
      degraded: { via: 'failover', reason: { kind: 'disabled' } },
    });
    expect(await requestsTo('email')).toBe(primary);
  });

  it('is shown in the live stream sample of the integration', async () => {
    await operator.json('/api/integrations/users/kill-switch', { body: { action: 'disable' } });
    const controller = new AbortController();
    const response = await viewer.fetch('/api/stream?topics=integration:users', {
      signal: controller.signal,
      headers: { accept: 'text/event-stream' },
    });
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    if (!reader) throw new Error('no stream body');
    const decoder = new TextDecoder();
    let text = '';
    let found: unknown;
    // Samples come once a second; the first one after the switch carries it.
    while (found === undefined) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      text += decoder.decode(value, { stream: true });
      for (const line of text.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const parsed = IntegrationSampleMessageSchema.safeParse(JSON.parse(line.slice(6)));
        if (parsed.success && parsed.data.sample.state?.enabled === false)
          found = parsed.data.sample.state;
      }
    }
    controller.abort();
    expect(found).toMatchObject({ enabled: false, breaker: 'closed', provider: 'automatic' });
  });

  it('refuses viewers (403) and bad actions (400), and names unknown integrations (404)', async () => {
    const refused = await viewer.fetch('/api/integrations/users/kill-switch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'disable' }),
    });
    expect(refused.status).toBe(403);
    expect((await state(viewer, 'users')).controls.enabled).toBe(true);

    const bad = await operator.fetch('/api/integrations/users/kill-switch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'off' }),
    });
    expect(bad.status).toBe(400);
    const missing = await operator.fetch('/api/integrations/nope/kill-switch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'disable' }),
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(
      /No integration named "nope"/,
    );
  });
});

describe('provider switch', () => {
  it('sends calls straight to the backup while pinned, audited, and back to the primary on automatic', async () => {
    const primary = await requestsTo('email');
    const backup = await requestsTo('email-backup');
    const pinned = IntegrationStateSchema.parse(
      await operator.json('/api/integrations/email/provider', { body: { mode: 'backup' } }),
    );
    expect(pinned.controls.provider).toBe('backup');
    expect(pinned.operations.find((op) => op.name === 'send')?.provider).toBe('backup');

    const outcome = await sendEmail();
    expect(outcome).toMatchObject({
      ok: true,
      provider: 'email-backup',
      attempts: 1,
      degraded: { via: 'failover', reason: { kind: 'disabled' } },
    });
    expect(await requestsTo('email')).toBe(primary);
    expect(await requestsTo('email-backup')).toBe(backup + 1);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'integration.control',
        integration: 'email',
        control: 'provider',
        provider: 'backup',
      }),
    );
    const [entry] = await auditOf('provider.switched');
    expect(entry).toMatchObject({
      target: 'integration:email',
      details: { mode: 'backup', from: 'automatic' },
    });

    await operator.json('/api/integrations/email/provider', { body: { mode: 'automatic' } });
    const back = await sendEmail();
    expect(back).toMatchObject({ ok: true, provider: 'email' });
    expect(await requestsTo('email')).toBe(primary + 1);
  });

  it('pins one operation, and the integration-wide switch clears per-operation choices', async () => {
    const one = IntegrationStateSchema.parse(
      await operator.json('/api/integrations/email/provider', {
        body: { mode: 'backup', operation: 'send' },
      }),
    );
    expect(one.controls.provider).toBe('automatic');
    expect(one.operations.find((op) => op.name === 'send')?.provider).toBe('backup');
    // `summary` has no backup: no provider mode to show.
    expect(one.operations.find((op) => op.name === 'summary')?.provider).toBeUndefined();
    expect((await sendEmail()).provider).toBe('email-backup');

    const all = IntegrationStateSchema.parse(
      await operator.json('/api/integrations/email/provider', { body: { mode: 'automatic' } }),
    );
    expect(all.operations.find((op) => op.name === 'send')?.provider).toBe('automatic');
  });

  it('answers 409 for an integration without a backup, 404 for an unknown operation, 403 for viewers', async () => {
    const post = (client: TestClient, path: string, body: unknown) =>
      client.fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const none = await post(operator, '/api/integrations/users/provider', { mode: 'backup' });
    expect(none.status).toBe(409);
    expect(((await none.json()) as { error: { code: string; message: string } }).error).toEqual(
      expect.objectContaining({ code: 'conflict', message: 'users has no backup provider' }),
    );
    const unknown = await post(operator, '/api/integrations/email/provider', {
      mode: 'backup',
      operation: 'nope',
    });
    expect(unknown.status).toBe(404);
    const summary = await post(operator, '/api/integrations/email/provider', {
      mode: 'backup',
      operation: 'summary',
    });
    expect(summary.status).toBe(409);
    expect(
      (await post(viewer, '/api/integrations/email/provider', { mode: 'backup' })).status,
    ).toBe(403);
    expect((await state(viewer, 'email')).controls.provider).toBe('automatic');
  });
});

describe('breaker reset', () => {
  it('clears the counts of an automatic breaker and keeps a forced one as the operator left it', async () => {
    await operator.json('/api/integrations/users/breaker', { body: { action: 'force-open' } });
    const held = IntegrationStateSchema.parse(
      await operator.json('/api/integrations/users/breaker', { body: { action: 'reset' } }),
    );
    expect(held.breaker).toMatchObject({ state: 'open', forced: 'open' });

    await operator.json('/api/integrations/users/breaker', { body: { action: 'release' } });
    const engine = server.switchboard.engine.integrations.get('users');
    if (!engine) throw new Error('no users integration');
    // One failure on record, then reset: the count starts again.
    engine.breaker.admit().failure(new Error('boom'));
    expect((await state(viewer, 'users')).breaker.consecutiveFailures).toBe(1);
    const reset = IntegrationStateSchema.parse(
      await operator.json('/api/integrations/users/breaker', { body: { action: 'reset' } }),
    );
    expect(reset.breaker).toMatchObject({ state: 'closed', forced: null, consecutiveFailures: 0 });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'breaker.transition',
        integration: 'users',
        reason: 'reset',
      }),
    );
    const [entry] = await auditOf('breaker.forced');
    expect(entry).toMatchObject({ details: { action: 'reset' } });
  });
});
