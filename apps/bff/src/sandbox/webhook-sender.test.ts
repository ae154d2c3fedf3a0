// The sandbox CRM's webhooks, end to end over real HTTP: signed by the sandbox, verified and queued by
// the BFF's POST /webhooks/crm, logged, and turned into a contact-sync flow run; broken deliveries
// refused with the reason an operator needs.
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { FlowRunSchema } from '@switchboard/shared/flows';
import { WebhookLogSchema, type WebhookLogEntry } from '@switchboard/shared/queue';
import {
  SandboxWebhookResultSchema,
  SideEffectsSchema,
  type SandboxWebhookRequest,
} from '@switchboard/shared/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, testEnv, type TestClient } from '../auth/test-session';
import { loadConfig } from '../config/config';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';

let server: RunningServer | undefined;
let api: TestClient;

beforeAll(async () => {
  server = await startServer(loadConfig(testEnv()), silentLogger);
  api = await signIn(`http://127.0.0.1:${server.port}`, 'operator');
});

afterAll(async () => {
  await server?.close();
});

async function send(request: SandboxWebhookRequest) {
  return SandboxWebhookResultSchema.parse(
    await api.json('/api/sandbox/webhooks', { method: 'POST', body: request }),
  );
}

async function logEntries(deliveryId: string): Promise<WebhookLogEntry[]> {
  const log = WebhookLogSchema.parse(await api.json('/api/webhooks/log?source=crm&limit=200'));
  return log.items.filter((entry) => entry.deliveryId === deliveryId);
}

/** Polls until `probe` returns a value (the queue works asynchronously), for at most 10 s. */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const usersCreated = async () =>
  SideEffectsSchema.parse(await api.json('/api/sandbox/providers/users/effects')).total;

describe('POST /api/sandbox/webhooks', () => {
  it('delivers a signed contact.created that the BFF accepts and turns into a contact-sync run', async () => {
    const before = await usersCreated();
    const result = await send({ variant: 'valid' });
    expect(result).toMatchObject({ status: 202, outcome: 'accepted', variant: 'valid' });

    const triggered = await eventually(async () => {
      const [entry] = await logEntries(result.deliveryId);
      return entry?.triggered ?? undefined;
    });
    const runId = /^flow contact-sync \(run (\S+)\)$/.exec(triggered)?.[1];
    expect(runId, triggered).toBeDefined();
    const run = await eventually(async () => {
      const found = FlowRunSchema.parse(await api.json(`/api/flows/runs/${runId}`));
      return found.status === 'succeeded' ? found : undefined;
    });
    expect(run.flow).toBe('contact-sync');
    expect(await usersCreated()).toBe(before + 1);
  });

  it.each([
    ['tampered', 'bad_signature'],
    ['expired', 'timestamp_out_of_tolerance'],
    ['unknown-secret', 'bad_signature'],
  ] as const)('sends a %s delivery, which is refused as %s and logged', async (variant, reason) => {
    const result = await send({ variant });
    expect(result.status).toBe(401);
    expect(result.outcome).toBe(`Webhook refused: ${reason.replaceAll('_', ' ')}.`);
    expect(await logEntries(result.deliveryId)).toEqual([
      expect.objectContaining({ outcome: 'rejected', reason, jobId: null }),
    ]);
  });

  it('sends a delivery twice: the second is acknowledged as a duplicate and not processed again', async () => {
    const result = await send({ variant: 'duplicate', eventType: 'contact.updated' });
    expect(result).toMatchObject({ status: 200, outcome: 'duplicate' });
    const entries = await logEntries(result.deliveryId);
    expect(entries.map((e) => e.outcome).sort()).toEqual(['accepted', 'duplicate']);
    expect(new Set(entries.map((e) => e.jobId)).size).toBe(1);
  });

  it('refuses an unknown variant with the field named', async () => {
    const response = await api.fetch('/api/sandbox/webhooks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ variant: 'forged' }),
    });
    expect(response.status).toBe(400);
    const body = ErrorBodySchema.parse(await response.json());
    expect(body.error.code).toBe('validation_failed');
    expect(JSON.stringify(body.error.details)).toContain('variant');
  });
});
