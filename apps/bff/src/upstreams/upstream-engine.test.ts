// The upstream engine's policy pipeline over real HTTP: breakers, retries and their budget,
// idempotency, stale-if-error and coalescing, driven against the sandbox providers with faults.
import { ViewResultSchema } from '@switchboard/shared/upstreams';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sandboxCatalogConfig } from '../sandbox/providers';
import {
  overUsers,
  policies,
  section,
  startHarness,
  transitionTo,
  waitFor,
  type Harness,
} from './sandbox-harness';

let harness: Harness | undefined;

function h(): Harness {
  if (!harness) throw new Error('the harness is not running: beforeAll did not complete');
  return harness;
}

const UserListSchema = z.object({ items: z.array(z.object({ id: z.string() })) });
const newUser = (n: number) => ({ name: `Test User ${n}`, email: `test.user.${n}@example.com` });

beforeAll(async () => {
  harness = await startHarness((urls) => {
    const sandbox = sandboxCatalogConfig(urls);
    return {
      integrations: {
        ...sandbox.integrations,
        'brk-threshold': overUsers(urls, policies({ breaker: { threshold: 3 } })),
        'brk-slow': overUsers(
          urls,
          policies({
            breaker: {
              mode: 'ratio',
              minimumCalls: 4,
              failureRatio: 1,
              slowCallMs: 40,
              slowCallRatio: 0.5,
              windowMs: 10_000,
            },
          }),
        ),
        'brk-probe': overUsers(
          urls,
          // Long enough that a loaded machine cannot reach half-open before the "early" call below.
          policies({ breaker: { threshold: 2, halfOpenAfterMs: 1_500, halfOpenProbes: 2 } }),
        ),
        'brk-operator': overUsers(urls, policies({ breaker: { threshold: 2 } })),
        'retry-after': overUsers(
          urls,
          policies({ retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } }),
        ),
        'retry-budget': overUsers(
          urls,
          policies({
            retry: {
              maxAttempts: 3,
              baseDelayMs: 1,
              maxDelayMs: 2,
              budget: { ratio: 0.1, minPerSecond: 0, windowMs: 60_000 },
            },
          }),
        ),
        writes: overUsers(
          urls,
          policies({
            timeout: { totalMs: 300 },
            retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 },
          }),
        ),
        stale: overUsers(
          urls,
          policies({ breaker: { threshold: 2 }, cache: { ttlMs: 0, staleIfErrorMs: 60_000 } }),
        ),
        coalesce: overUsers(urls, policies({ cache: { ttlMs: 10_000 } })),
      },
      views: {
        ...sandbox.views,
        'stale-users': { sources: { users: { integration: 'stale', operation: 'summary' } } },
        coalesced: { sources: { users: { integration: 'coalesce', operation: 'summary' } } },
      },
    };
  });
});

afterEach(() => h().reset());

afterAll(async () => {
  await harness?.close();
});

describe('circuit breaker', () => {
  it('opens at its consecutive-failure threshold, then fails fast without calling the provider', async () => {
    await h().setFaults('users', { failureRate: 1, latencyMs: 0, jitterMs: 0 });

    for (let i = 1; i <= 2; i++) {
      const outcome = await h().call({ integration: 'brk-threshold', operation: 'summary' });
      expect(outcome).toMatchObject({ ok: false, error: { kind: 'http_5xx', httpStatus: 503 } });
    }
    const belowThreshold = await h().integration('brk-threshold');
    expect(belowThreshold.breaker).toMatchObject({
      state: 'closed',
      consecutiveFailures: 2,
      distanceToTrip: 1,
    });
    expect(h().events.transitions('brk-threshold')).toEqual([]);

    const third = await h().call({ integration: 'brk-threshold', operation: 'summary' });
    expect(third).toMatchObject({ ok: false, error: { kind: 'http_5xx' } });
    expect(h().events.transitions('brk-threshold')).toMatchObject([
      { from: 'closed', to: 'open', reason: 'consecutive_failures', forced: null },
    ]);

    const before = await h().requests('users');
    // Refused before any attempt: no bulkhead slot, no retry loop, no request.
    const refused = await h().call({ integration: 'brk-threshold', operation: 'summary' });
    expect(refused).toMatchObject({ ok: false, attempts: 0, error: { kind: 'breaker_open' } });
    expect(await h().requests('users')).toBe(before);
  });

  it('opens on slow calls (slowCallMs) even though every call succeeded', async () => {
    await h().setFaults('users', { latencyMs: 80, jitterMs: 0 });

    for (let i = 1; i <= 3; i++) {
      const outcome = await h().call({ integration: 'brk-slow', operation: 'summary' });
      expect(outcome.ok).toBe(true);
    }
    expect(h().events.transitions('brk-slow')).toEqual([]);
    expect((await h().integration('brk-slow')).breaker).toMatchObject({
      state: 'closed',
      windowCalls: 3,
      windowFailures: 0,
      windowSlow: 3,
    });

    // The fourth slow call reaches minimumCalls: 4 of 4 are slower than 40 ms.
    const fourth = await h().call({ integration: 'brk-slow', operation: 'summary' });
    expect(fourth.ok).toBe(true);
    expect(h().events.transitions('brk-slow')).toMatchObject([
      { from: 'closed', to: 'open', reason: 'slow_call_ratio' },
    ]);

    const before = await h().requests('users');
    const refused = await h().call({ integration: 'brk-slow', operation: 'summary' });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'breaker_open' } });
    expect(await h().requests('users')).toBe(before);
  });

  it('half-opens after halfOpenAfterMs, admits exactly halfOpenProbes probes, and closes when they succeed', async () => {
    const { events } = h();
    await h().setFaults('users', { failureRate: 1, latencyMs: 0, jitterMs: 0 });
    await h().call({ integration: 'brk-probe', operation: 'summary' });
    await h().call({ integration: 'brk-probe', operation: 'summary' });
    await events.next(transitionTo('brk-probe', 'open', 'consecutive_failures'));
    const openedAt = performance.now();
    // Healthy again, and slow enough that the probes are still in flight when the others arrive.
    await h().setFaults('users', { failureRate: 0, latencyMs: 150, jitterMs: 0 });

    const before = await h().requests('users');
    const early = await h().call({ integration: 'brk-probe', operation: 'summary' });
    expect(early).toMatchObject({ ok: false, error: { kind: 'breaker_open' } });
    expect(await h().requests('users')).toBe(before);

    await waitFor(
      async () => (await h().integration('brk-probe')).breaker.state === 'half-open' || undefined,
      'the breaker to half-open',
      5_000,
    );
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(1_500);

    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => h().call({ integration: 'brk-probe', operation: 'summary' })),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(2);
    const refused = outcomes.filter((o) => !o.ok);
    expect(refused).toHaveLength(3);
    for (const o of refused) expect(o).toMatchObject({ error: { kind: 'breaker_open' } });
    expect(await h().requests('users')).toBe(before + 2);

    const closed = await events.next(transitionTo('brk-probe', 'closed'));
    expect(closed).toMatchObject({ from: 'half-open', reason: 'probes_succeeded' });
    expect((await h().integration('brk-probe')).breaker.state).toBe('closed');
  });

  it('reopens when a half-open probe fails', async () => {
    const { events } = h();
    await h().setFaults('users', { failureRate: 1, latencyMs: 0, jitterMs: 0 });
    await h().call({ integration: 'brk-probe', operation: 'summary' });
    await h().call({ integration: 'brk-probe', operation: 'summary' });
    await events.next(transitionTo('brk-probe', 'open', 'consecutive_failures'));

    await waitFor(
      async () => (await h().integration('brk-probe')).breaker.state === 'half-open' || undefined,
      'the breaker to half-open',
      5_000,
    );
    const before = await h().requests('users');
    const probe = await h().call({ integration: 'brk-probe', operation: 'summary' });
    expect(probe).toMatchObject({ ok: false, error: { kind: 'http_5xx' } });
    expect(await h().requests('users')).toBe(before + 1);
    await events.next(transitionTo('brk-probe', 'open', 'probe_failed'));

    const after = await h().call({ integration: 'brk-probe', operation: 'summary' });
    expect(after).toMatchObject({ ok: false, error: { kind: 'breaker_open' } });
    expect(await h().requests('users')).toBe(before + 1);
  });

  it('forced open by an operator: calls fail fast with breaker_open and never reach the provider', async () => {
    const state = await h().breaker('brk-operator', 'force-open');
    expect(state.breaker).toMatchObject({ state: 'open', forced: 'open' });
    expect(h().events.transitions('brk-operator')).toMatchObject([
      { to: 'open', reason: 'forced_open', forced: 'open' },
    ]);

    const before = await h().requests('users');
    for (let i = 0; i < 3; i++) {
      const outcome = await h().call({ integration: 'brk-operator', operation: 'summary' });
      expect(outcome).toMatchObject({ ok: false, error: { kind: 'breaker_open' } });
    }
    // Held open: the automatic half-open wait (200 ms) does not apply. Nothing happens to wait
    // for here, so this is the one place time simply passes.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await h().integration('brk-operator')).breaker.state).toBe('open');
    const late = await h().call({ integration: 'brk-operator', operation: 'summary' });
    expect(late).toMatchObject({ ok: false, error: { kind: 'breaker_open' } });
    expect(await h().requests('users')).toBe(before);

    expect((await h().breaker('brk-operator', 'release')).breaker).toMatchObject({
      state: 'closed',
      forced: null,
    });
    const released = await h().call({ integration: 'brk-operator', operation: 'summary' });
    expect(released.ok).toBe(true);
    expect(await h().requests('users')).toBe(before + 1);
  });

  it('forced closed by an operator: admits every call past the threshold, until released', async () => {
    await h().setFaults('users', { failureRate: 1, latencyMs: 0, jitterMs: 0 });
    expect((await h().breaker('brk-operator', 'force-closed')).breaker).toMatchObject({
      state: 'closed',
      forced: 'closed',
      distanceToTrip: null,
    });

    const before = await h().requests('users');
    for (let i = 0; i < 5; i++) {
      const outcome = await h().call({ integration: 'brk-operator', operation: 'summary' });
      expect(outcome).toMatchObject({ ok: false, error: { kind: 'http_5xx' } });
    }
    expect(await h().requests('users')).toBe(before + 5);
    expect((await h().integration('brk-operator')).breaker).toMatchObject({
      state: 'closed',
      forced: 'closed',
      consecutiveFailures: 5,
    });

    // Back to automatic: the threshold (2) applies again, counted afresh.
    await h().breaker('brk-operator', 'release');
    await h().call({ integration: 'brk-operator', operation: 'summary' });
    expect((await h().integration('brk-operator')).breaker.state).toBe('closed');
    await h().call({ integration: 'brk-operator', operation: 'summary' });
    await h().events.next(transitionTo('brk-operator', 'open', 'consecutive_failures'));
    await h().breaker('brk-operator', 'release');
  });
});

describe('retries', () => {
  it('waits at least the Retry-After a 429 asked for before retrying', async () => {
    const { events, sandbox } = h();
    await h().setFaults('users', { rateLimitStorm: true, latencyMs: 0, jitterMs: 0 });
    // The storm ends once the first attempt has been answered, so the retry succeeds.
    const stopStorm = h().server.switchboard.bus.subscribe((event) => {
      if (event.type === 'upstream.attempt' && event.integration === 'retry-after')
        sandbox.sandbox.update('users', { rateLimitStorm: false });
    });
    try {
      const outcome = await h().call({ integration: 'retry-after', operation: 'summary' });
      expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    } finally {
      stopStorm();
    }

    const [first, second] = events.attempts('retry-after');
    if (!first || !second) throw new Error('expected two attempts');
    expect(first).toMatchObject({ attempt: 1, outcome: 'error', kind: 'rate_limited' });
    expect(first.httpStatus).toBe(429);
    // The storm answers Retry-After: 1 or 2 (seconds); the jittered backoff alone is at most 20 ms.
    expect([1_000, 2_000]).toContain(first.retryInMs);
    const retryAfterMs = first.retryInMs ?? 0;
    const firstEnded = first.at + first.latencyMs;
    // Event times are wall-clock milliseconds: allow for their rounding.
    expect(second.at - firstEnded).toBeGreaterThanOrEqual(retryAfterMs - 2);
    expect(second).toMatchObject({ attempt: 2, outcome: 'ok' });
    expect(lastCallLatency(events.calls('retry-after'))).toBeGreaterThanOrEqual(retryAfterMs);
  });

  it('stops at the retry budget: 100 failing calls retry at most 10 % of the time', async () => {
    const { events } = h();
    await h().setFaults('users', { failureRate: 1, latencyMs: 0, jitterMs: 0 });

    for (let i = 0; i < 100; i++) {
      const outcome = await h().call({ integration: 'retry-budget', operation: 'summary' });
      expect(outcome.ok).toBe(false);
    }

    const attempts = events.attempts('retry-budget');
    const firsts = attempts.filter((a) => a.attempt === 1).length;
    const retries = attempts.filter((a) => a.attempt > 1).length;
    expect(firsts).toBe(100);
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBeLessThanOrEqual(10);
    expect((await h().integration('retry-budget')).retryBudget).toEqual({
      calls: 100,
      retries,
      allowed: 10,
    });
  });
});

describe('idempotency of writes', () => {
  it('never retries a POST without an idempotency key: one attempt, no effect when it failed', async () => {
    await h().setFaults('users', { failureRate: 1, latencyMs: 0, jitterMs: 0 });

    const outcome = await h().call({
      integration: 'writes',
      operation: 'create',
      body: newUser(1),
    });

    expect(outcome).toMatchObject({ ok: false, attempts: 1, error: { kind: 'http_5xx' } });
    expect(h().events.attempts('writes')).toHaveLength(1);
    expect(await h().effects('users')).toEqual({ total: 0, byKey: {}, replays: 0 });
  });

  it('never retries a POST without a key even when the provider acted and only the answer was lost', async () => {
    // The provider creates the user, then trickles the answer out for longer than the 300 ms timeout.
    await h().setFaults('users', { slowBodyMs: 2_000, latencyMs: 0, jitterMs: 0 });

    const outcome = await h().call({
      integration: 'writes',
      operation: 'create',
      body: newUser(2),
    });

    expect(outcome).toMatchObject({ ok: false, attempts: 1, error: { kind: 'timeout' } });
    expect(h().events.attempts('writes')).toHaveLength(1);
    // Exactly once: a retry here would have created the user twice.
    expect(await h().effects('users')).toMatchObject({ total: 1, replays: 0 });
  });

  it('retries a POST with an idempotency key after a 5xx, and the effect happens once', async () => {
    const { sandbox } = h();
    await h().setFaults('users', { failureRate: 1, latencyMs: 0, jitterMs: 0 });
    const recover = h().server.switchboard.bus.subscribe((event) => {
      if (event.type === 'upstream.attempt' && event.integration === 'writes')
        sandbox.sandbox.update('users', { failureRate: 0 });
    });
    try {
      const outcome = await h().call({
        integration: 'writes',
        operation: 'create',
        body: newUser(3),
        idempotencyKey: 'create-user-3',
      });
      expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    } finally {
      recover();
    }
    expect(await h().effects('users')).toEqual({
      total: 1,
      byKey: { 'create-user-3': 1 },
      replays: 0,
    });
  });

  it('retries a POST with an idempotency key when the answer was lost, and the provider replays instead of acting again', async () => {
    const { sandbox } = h();
    await h().setFaults('users', { slowBodyMs: 2_000, latencyMs: 0, jitterMs: 0 });
    const recover = h().server.switchboard.bus.subscribe((event) => {
      if (event.type === 'upstream.attempt' && event.integration === 'writes')
        sandbox.sandbox.update('users', { slowBodyMs: 0 });
    });
    try {
      const outcome = await h().call({
        integration: 'writes',
        operation: 'create',
        body: newUser(4),
        idempotencyKey: 'create-user-4',
      });
      expect(outcome).toMatchObject({ ok: true, attempts: 2, data: { name: 'Test User 4' } });
    } finally {
      recover();
    }

    expect(h().events.attempts('writes')).toMatchObject([
      { attempt: 1, outcome: 'error', kind: 'timeout' },
      { attempt: 2, outcome: 'ok' },
    ]);
    // The first attempt acted (its answer never arrived); the retry got the stored answer back.
    expect(await h().effects('users')).toEqual({
      total: 1,
      byKey: { 'create-user-4': 1 },
      replays: 1,
    });
  });
});

describe('response cache', () => {
  it('serves stale data while the provider is down, and while its breaker is open', async () => {
    const fresh = section(await h().view('stale-users'), 'users');
    expect(fresh).toMatchObject({ status: 'ok', cache: 'miss' });

    await h().setFaults('users', { failureRate: 1, latencyMs: 0, jitterMs: 0 });
    const down = section(await h().view('stale-users'), 'users');
    expect(down).toMatchObject({
      status: 'stale',
      cache: 'stale',
      error: { kind: 'http_5xx', httpStatus: 503 },
    });
    expect(down.data).toEqual(fresh.data);

    // The second failure in a row opens the breaker (threshold 2).
    const stillDown = await h().call({ integration: 'stale', operation: 'summary' });
    expect(stillDown).toMatchObject({ ok: true, degraded: { via: 'stale' } });
    await h().events.next(transitionTo('stale', 'open'));

    const before = await h().requests('users');
    const open = await h().call({ integration: 'stale', operation: 'summary' });
    expect(open).toMatchObject({
      ok: true,
      cache: 'stale',
      degraded: { via: 'stale', reason: { kind: 'breaker_open' } },
    });
    expect(open.ok && open.data).toEqual(fresh.data);
    const openView = section(await h().view('stale-users'), 'users');
    expect(openView).toMatchObject({ status: 'stale', error: { kind: 'breaker_open' } });
    expect(await h().requests('users')).toBe(before);
    await h().breaker('stale', 'release');
  });

  it('100 concurrent identical reads make one upstream call', async () => {
    await h().setFaults('users', { latencyMs: 200, jitterMs: 0 });
    const before = await h().requests('users');

    const results = await Promise.all(
      Array.from({ length: 100 }, async () => section(await h().view('coalesced'), 'users')),
    );

    expect(await h().requests('users')).toBe(before + 1);
    expect(h().events.attempts('coalesce')).toHaveLength(1);
    for (const result of results) expect(result.status).toBe('ok');
    expect(results.filter((r) => r.cache === 'miss')).toHaveLength(1);
    // Late arrivals may find the stored answer instead of the flight; none calls the provider.
    for (const r of results) expect(['miss', 'coalesced', 'hit']).toContain(r.cache);
    expect(new Set(results.map((r) => JSON.stringify(r.data))).size).toBe(1);
  });
});

describe('views over HTTP', () => {
  it('user-profile: the dependent source starts after its dependency answered (waterfall)', async () => {
    await h().setFaults('users', { latencyMs: 60, jitterMs: 0 });

    const result = await h().view('user-profile');

    const users = section(result, 'users');
    const profile = section(result, 'profile');
    expect(users.status).toBe('ok');
    expect(profile.status).toBe('ok');
    expect(users.latencyMs).toBeGreaterThanOrEqual(59);
    // Times are rounded to 0.1 ms.
    expect(profile.startedAtMs).toBeGreaterThanOrEqual(users.startedAtMs + users.latencyMs - 0.2);
    expect(profile.startedAtMs).toBeGreaterThanOrEqual(users.latencyMs - 0.2);
    expect(result.latencyMs).toBeGreaterThanOrEqual(profile.startedAtMs + profile.latencyMs - 0.2);
    const listed = UserListSchema.parse(users.data);
    expect(profile.data).toMatchObject({ id: listed.items[0]?.id });
  });

  it('answers 304 to If-None-Match while the overview is unchanged', async () => {
    const first = await h().api.fetch(h().url('/api/views/overview'));
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/".+"$/);
    await first.arrayBuffer();

    // The summaries are cached for 1 s, so the data cannot have changed in between.
    const second = await h().api.fetch(h().url('/api/views/overview'), {
      headers: { 'if-none-match': etag ?? '' },
    });
    expect(second.status).toBe(304);
    expect(second.headers.get('etag')).toBe(etag);
    expect(await second.text()).toBe('');

    const other = await h().api.fetch(h().url('/api/views/overview'), {
      headers: { 'if-none-match': 'W/"something-else"' },
    });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });

  it('gzips a view for a client that accepts it', async () => {
    const response = await h().api.fetch(h().url('/api/views/user-profile'), {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBe('gzip');
    // fetch decompresses: the body is the view itself.
    expect(ViewResultSchema.parse(await response.json()).view).toBe('user-profile');
  });
});

function lastCallLatency(calls: ReadonlyArray<{ latencyMs: number }>): number {
  const last = calls.at(-1);
  if (!last) throw new Error('no upstream.call event');
  return last.latencyMs;
}
