// The sign-up flow end to end on a real server and the real sandbox over loopback HTTP: idempotent
// replay, conflict and mismatch; keys reaching the providers (one side effect per key across
// retries); dead-letter replay completing a run; compensation; listing; webhooks; live figures.
import { createHmac } from 'node:crypto';
import type { CatalogInput } from '@switchboard/shared/catalog';
import { FlowRunListSchema, FlowRunSchema, type FlowRun } from '@switchboard/shared/flows';
import { SideEffectsSchema } from '@switchboard/shared/sandbox';
import { WebhookLogSchema } from '@switchboard/shared/queue';
import type { SequencedMessage } from '@switchboard/shared/stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signIn, testEnv, type TestClient } from '../auth/test-session';
import { loadConfig } from '../config/config';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';
import { sandboxCatalogConfig, signupFlowConfig } from '../sandbox/providers';

const webhookSecret = 'whsec_test_payments_0123456789';

/** The sandbox catalog with quick job retries and breakers that never open between tests. */
function testCatalog(urls: ReadonlyMap<string, string>): CatalogInput {
  const base = sandboxCatalogConfig(urls);
  const integrations = Object.fromEntries(
    Object.entries(base.integrations).map(([name, integration]) => [
      name,
      {
        ...integration,
        policies: {
          ...integration.policies,
          breaker: { mode: 'consecutive', threshold: 1000 },
          retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 50 },
          timeout: { connectMs: 500, totalMs: 1_000 },
        },
      },
    ]),
  ) as CatalogInput['integrations'];
  return {
    ...base,
    integrations,
    flows: {
      signup: signupFlowConfig({ maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 200 }),
      'payment-received': {
        steps: {
          'record-payment': {
            integration: 'analytics',
            operation: 'track',
            body: {
              name: 'payment.received',
              properties: {
                charge: '${input.data.object.id}',
                amount: '${input.data.object.amount}',
              },
            },
            retry: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 200 },
          },
        },
      },
    },
    webhooks: {
      payments: {
        scheme: 'stripe',
        secretsEnv: ['TEST_PAYMENTS_WEBHOOK_SECRET'],
        flows: { 'charge.succeeded': 'payment-received' },
      },
    },
  };
}

let server: RunningServer;
let api: TestClient;
const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
const frames: SequencedMessage[] = [];

beforeAll(async () => {
  server = await startServer(loadConfig(testEnv()), silentLogger, {
    catalog: testCatalog,
    env: { TEST_PAYMENTS_WEBHOOK_SECRET: webhookSecret },
  });
  api = await signIn(url(''), 'operator');
  server.switchboard.hub.subscribe(
    {
      send: (frame) => void frames.push(JSON.parse(frame.json) as SequencedMessage),
      close: () => undefined,
    },
    { topics: ['flows', 'queue'] },
  );
});
afterAll(() => server.close());
beforeEach(async () => {
  await api.json('/api/sandbox/reset', { body: {} });
});

/** Polls `read` until `done` holds (state changes arrive through jobs, so there is no event to await). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const signup = (key: string | undefined, body: unknown) =>
  api.fetch('/api/flows/signup', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key && { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  });
const getRun = async (id: string) => FlowRunSchema.parse(await api.json(`/api/flows/runs/${id}`));
const runUntil = (id: string, status: FlowRun['status']) =>
  until(
    () => getRun(id),
    (run) => run.status === status,
  );
const effects = async (provider: string) =>
  SideEffectsSchema.parse(await api.json(`/api/sandbox/providers/${provider}/effects`));
const faults = (provider: string, patch: Record<string, unknown>) =>
  api.json(`/api/sandbox/providers/${provider}`, { method: 'PATCH', body: patch });
const stepOf = (run: FlowRun, step: string) => run.steps.find((s) => s.step === step);
const ada = { name: 'Ada Lovelace', email: 'ada@example.com' };

describe('POST /api/flows/signup', () => {
  it('creates the user inline, then sends the email and the event through the queue', async () => {
    const res = await signup('signup-happy-1', ada);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { user: { id: string; email: string }; run: FlowRun };
    expect(body.user).toMatchObject({ email: ada.email, name: ada.name });
    expect(stepOf(body.run, 'create-user')).toMatchObject({ status: 'succeeded', mode: 'sync' });
    expect(body.run.idempotencyKey).toBe('signup-happy-1');

    const run = await runUntil(body.run.id, 'succeeded');
    expect(run.steps.map((s) => [s.step, s.status])).toEqual([
      ['create-user', 'succeeded'],
      ['welcome-email', 'succeeded'],
      ['analytics-event', 'succeeded'],
    ]);
    expect(stepOf(run, 'welcome-email')?.provider).toBe('email');
    // One side effect per provider, each under the run's key for that step.
    expect((await effects('users')).byKey).toEqual({ [`${run.id}:create-user`]: 1 });
    expect((await effects('email')).byKey).toEqual({ [`${run.id}:welcome-email`]: 1 });
    expect((await effects('analytics')).byKey).toEqual({ [`${run.id}:analytics-event`]: 1 });
    // The welcome email names the user the first step created.
    const streamed = frames.filter((f) => f.type === 'flow.run' && f.run.id === run.id);
    expect(streamed.at(-1)).toMatchObject({ topic: 'flows', run: { status: 'succeeded' } });
  });

  it('replays the stored answer for the same key and body, refuses another body (422)', async () => {
    const first = await signup('signup-replay-1', ada);
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    const again = await signup('signup-replay-1', ada);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstBody);
    const other = await signup('signup-replay-1', { ...ada, name: 'Grace Hopper' });
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ error: { code: 'idempotency_key_reused' } });
    expect((await effects('users')).total).toBe(1);
  });

  it('answers 409 to a concurrent duplicate while the first is still running', async () => {
    await faults('users', { latencyMs: 400, jitterMs: 0 });
    const [a, b] = await Promise.all([
      signup('signup-concurrent-1', ada),
      // Sent a moment later, so the first holds the key.
      new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
        signup('signup-concurrent-1', ada),
      ),
    ]);
    expect([a.status, b.status]).toEqual([201, 409]);
    expect(b.headers.get('retry-after')).toBe('1');
    expect((await effects('users')).total).toBe(1);
  });

  it('validates the body (400) and needs an operator', async () => {
    const res = await signup('signup-bad-1', { name: '', email: 'not-an-email' });
    expect(res.status).toBe(400);
    const viewer = await signIn(url(''), 'viewer');
    const refused = await viewer.fetch('/api/flows/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ada),
    });
    expect(refused.status).toBe(403);
  });
});

describe('idempotency keys reach the providers', () => {
  it('a retried request after a lost answer creates the user once (counter = 1)', async () => {
    // The provider acts, then its answer arrives broken: the BFF cannot know the user exists.
    await faults('users', { malformedRate: 1 });
    const lost = await signup('signup-lost-1', ada);
    expect(lost.status).toBe(502);
    const { error } = (await lost.json()) as { error: { details: { runId: string } } };
    expect((await effects('users')).total).toBe(1);
    await faults('users', { malformedRate: 0 });
    // The client retries with the same key: same run, same upstream key, the provider replays.
    const retried = await signup('signup-lost-1', ada);
    expect(retried.status).toBe(201);
    const body = (await retried.json()) as { user: { id: string }; run: FlowRun };
    expect(body.run.id).toBe(error.details.runId);
    const users = await effects('users');
    expect(users.byKey).toEqual({ [`${body.run.id}:create-user`]: 1 });
    expect(users.replays).toBeGreaterThanOrEqual(1);
    await runUntil(body.run.id, 'succeeded');
  });

  it('job retries after a lost answer send the same key: one event however many attempts', async () => {
    await faults('analytics', { malformedRate: 1 });
    const res = await signup('signup-job-retry-1', ada);
    const { run } = (await res.json()) as { run: FlowRun };
    // Wait for a retry: the first attempt acted, later ones reached the provider with the same key.
    await until(
      () => getRun(run.id),
      (r) => (stepOf(r, 'analytics-event')?.attempts ?? 0) >= 2,
    );
    await faults('analytics', { malformedRate: 0 });
    const done = await runUntil(run.id, 'succeeded');
    expect(stepOf(done, 'analytics-event')?.error?.kind).toBe('parse');
    const analytics = await effects('analytics');
    expect(analytics.byKey).toEqual({ [`${run.id}:analytics-event`]: 1 });
    expect(analytics.total).toBe(1);
    expect(analytics.replays).toBeGreaterThanOrEqual(1);
  });
});

describe('dead letters and compensation', () => {
  it('a replayed dead letter completes the flow', async () => {
    await faults('analytics', { failureRate: 1 });
    const res = await signup('signup-dead-1', ada);
    const { run } = (await res.json()) as { run: FlowRun };
    const failed = await runUntil(run.id, 'failed');
    const step = stepOf(failed, 'analytics-event');
    expect(step).toMatchObject({ status: 'failed', error: { kind: 'http_5xx' } });
    expect(stepOf(failed, 'welcome-email')?.status).toBe('succeeded');
    const dead = await api.json<{ status: string }>(`/api/dead-letters/${step?.jobId}`);
    expect(dead.status).toBe('dead');

    await faults('analytics', { failureRate: 0 });
    const replay = await api.json<{ count: number }>('/api/dead-letters/replay', {
      body: { selection: { ids: [step?.jobId] } },
    });
    expect(replay.count).toBe(1);
    const done = await runUntil(run.id, 'succeeded');
    expect(stepOf(done, 'analytics-event')?.status).toBe('succeeded');
    expect((await effects('analytics')).byKey).toEqual({ [`${run.id}:analytics-event`]: 1 });
  });

  it('undoes the created user when the critical welcome email fails for good', async () => {
    await faults('email', { failureRate: 1 });
    await faults('email-backup', { failureRate: 1 });
    const res = await signup('signup-compensate-1', ada);
    expect(res.status).toBe(201);
    const { run, user } = (await res.json()) as { run: FlowRun; user: { id: string } };
    const undone = await runUntil(run.id, 'compensated');
    expect(undone.failedStep).toBe('welcome-email');
    expect(stepOf(undone, 'welcome-email')).toMatchObject({ status: 'failed' });
    expect(stepOf(undone, 'create-user')).toMatchObject({ status: 'compensated' });
    // The failover was tried before giving up.
    expect(stepOf(undone, 'welcome-email')?.error?.provider).toBe('email-backup');
    const users = await effects('users');
    expect(users.byKey).toEqual({
      [`${run.id}:create-user`]: 1,
      [`${run.id}:create-user:undo`]: 1,
    });
    const gone = await api.fetch(`/api/sandbox/providers`);
    expect(gone.ok).toBe(true);
    const lookup = await fetch(
      new URL(`v1/users/${user.id}`, server.sandbox?.baseUrls.get('users')),
    );
    expect(lookup.status).toBe(404);
    // The compensated run is over: the same key with the stored answer, a new key starts afresh.
    expect((await signup('signup-compensate-1', ada)).headers.get('idempotent-replayed')).toBe(
      'true',
    );
  });
});

describe('GET /api/flows/runs', () => {
  it('pages newest first with a cursor and filters by status', async () => {
    const ids: string[] = [];
    for (const i of [1, 2, 3]) {
      const res = await signup(`signup-page-${i}`, { name: `P ${i}`, email: `p${i}@example.com` });
      ids.push(((await res.json()) as { run: FlowRun }).run.id);
    }
    for (const id of ids) await runUntil(id, 'succeeded');
    const first = FlowRunListSchema.parse(await api.json('/api/flows/runs?limit=2'));
    expect(first.items.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(first.nextCursor).not.toBeNull();
    const second = FlowRunListSchema.parse(
      await api.json(`/api/flows/runs?limit=2&cursor=${first.nextCursor}`),
    );
    expect(second.items[0]?.id).toBe(ids[0]);
    const running = FlowRunListSchema.parse(await api.json('/api/flows/runs?status=running'));
    expect(running.items.every((r) => r.status === 'running')).toBe(true);
    const succeeded = FlowRunListSchema.parse(
      await api.json('/api/flows/runs?status=succeeded&limit=200'),
    );
    expect(succeeded.items.map((r) => r.id)).toEqual(expect.arrayContaining(ids));
    expect((await api.fetch('/api/flows/runs?cursor=nonsense')).status).toBe(400);
    expect((await api.fetch('/api/flows/runs?status=nope')).status).toBe(400);
    expect((await api.fetch('/api/flows/runs/run_missing')).status).toBe(404);
  });
});

describe('webhooks trigger flows', () => {
  const sign = (body: string, seconds = Math.floor(Date.now() / 1000)) => {
    const sig = createHmac('sha256', webhookSecret).update(`${seconds}.${body}`).digest('hex');
    return `t=${seconds},v1=${sig}`;
  };
  const deliver = (body: string) =>
    fetch(url('/webhooks/payments'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': sign(body) },
      body,
    });

  it('a verified payments event starts its flow once, and the log says what it triggered', async () => {
    const event = JSON.stringify({
      id: 'evt_flow_1',
      type: 'charge.succeeded',
      data: { object: { id: 'ch_123', amount: 4200 } },
    });
    const res = await deliver(event);
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const entry = await until(
      async () =>
        WebhookLogSchema.parse(await api.json('/api/webhooks/log?source=payments')).items.find(
          (e) => e.jobId === jobId && e.outcome === 'accepted',
        ),
      (e) => e?.triggered != null,
    );
    expect(entry?.triggered).toMatch(/^flow payment-received \(run run_[0-9a-f]{32}\)$/);
    const runId = /run (run_[0-9a-f]{32})/.exec(entry?.triggered ?? '')?.[1] ?? '';
    const run = await runUntil(runId, 'succeeded');
    expect(stepOf(run, 'record-payment')?.result).toMatchObject({ accepted: 1 });
    // A redelivery is acknowledged and not processed again.
    const again = await deliver(event);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', jobId });
    expect((await effects('analytics')).byKey).toEqual({ [`${runId}:record-payment`]: 1 });
  });

  it('an event type with no flow is processed and logged as triggering nothing', async () => {
    const event = JSON.stringify({ id: 'evt_other_1', type: 'charge.refunded', data: {} });
    const res = await deliver(event);
    const { jobId } = (await res.json()) as { jobId: string };
    const entry = await until(
      async () =>
        WebhookLogSchema.parse(await api.json('/api/webhooks/log?source=payments')).items.find(
          (e) => e.jobId === jobId && e.outcome === 'accepted',
        ),
      (e) => e?.triggered != null,
    );
    expect(entry?.triggered).toBe('nothing (no flow for charge.refunded events)');
  });
});

describe('queue figures in the live metrics', () => {
  it('streams depth, throughput and dead letters, and exports them to Prometheus', async () => {
    const res = await signup('signup-metrics-1', ada);
    const { run } = (await res.json()) as { run: FlowRun };
    await runUntil(run.id, 'succeeded');
    const sample = await until(
      () => Promise.resolve(frames.filter((f) => f.type === 'queue.sample')),
      (samples) => samples.some((s) => (s.byType['flow.step']?.completed ?? 0) > 0),
    );
    const last = sample.at(-1);
    expect(last?.topic).toBe('queue');
    expect(last?.byType['flow.step']?.deadLetters).toBeGreaterThanOrEqual(0);
    const metrics = await (await fetch(url('/metrics'))).text();
    expect(metrics).toMatch(
      /switchboard_queue_jobs_settled_total\{type="flow\.step",outcome="succeeded"\} [1-9]/,
    );
    expect(metrics).toMatch(/switchboard_queue_jobs\{type="flow\.step",status="dead"\} \d+/);
    // The metrics engine's per-second state of each integration carries the queue figures.
    const observability = server.switchboard.observability;
    if (!observability) throw new Error('no observability');
    const seconds: Array<{ queueDepth?: number; deadLetters?: number } | undefined> = [];
    const off = observability.onSecond((second) =>
      seconds.push(second.series.find((s) => s.integration === 'analytics' && !s.operation)?.state),
    );
    await until(
      () => Promise.resolve(seconds),
      (all) => all.some((s) => s?.queueDepth !== undefined),
    );
    off();
    const state = seconds.find((s) => s?.queueDepth !== undefined);
    expect(state?.queueDepth).toBeGreaterThanOrEqual(0);
    expect(state?.deadLetters).toBeGreaterThanOrEqual(0);
  });
});
