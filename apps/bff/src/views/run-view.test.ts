// runView as a unit: the deadline reaches every source, dependencies gate their dependents.
// The upstream engine is replaced by a hand-driven caller; the real one is covered over HTTP.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallOutcome, CallRequest, UpstreamCaller } from '../upstreams/call-types';
import { runView } from './run-view';
import { planView } from './view-plan';

const ok = (data: unknown): CallOutcome => ({
  ok: true,
  data,
  latencyMs: 1,
  attempts: 1,
  cache: 'none',
  provider: 'p',
});

/** Answers each call with `answer(request)`, or hangs until the call's signal aborts. */
function caller(
  answer: (request: CallRequest) => CallOutcome | 'hang',
): UpstreamCaller & { requests: CallRequest[] } {
  const requests: CallRequest[] = [];
  return {
    requests,
    call(request) {
      requests.push(request);
      const a = answer(request);
      if (a !== 'hang') return Promise.resolve(a);
      return new Promise((resolve) =>
        request.signal.addEventListener('abort', () =>
          resolve({
            ok: false,
            error: { kind: 'timeout', message: 'deadline' },
            latencyMs: 0,
            attempts: 1,
            cache: 'none',
            provider: 'p',
          }),
        ),
      );
    },
  };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('runView', () => {
  it('aborts every pending source at the deadline with a TimeoutError, five sources to a signal, without a listener warning', async () => {
    const sources = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`s${i}`, { integration: 'a', operation: 'op' }]),
    );
    const plan = planView('wide', { deadlineMs: 100, sources });
    const client = caller((request) => {
      // A second listener per call, as a call in flight may have (undici's, and a queue's wait).
      request.signal.addEventListener('abort', () => {}, { once: true });
      return 'hang';
    });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const pending = runView(
        { client, now: () => Date.now() },
        plan,
        new AbortController().signal,
      );
      await vi.advanceTimersByTimeAsync(100);
      const result = await pending;
      expect(Object.values(result.sources).map((s) => s.status)).toEqual(Array(12).fill('timeout'));
      await new Promise((resolve) => process.nextTick(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    const perSignal = new Map<AbortSignal, number>();
    for (const r of client.requests) perSignal.set(r.signal, (perSignal.get(r.signal) ?? 0) + 1);
    expect([...perSignal.values()]).toEqual([5, 5, 2]);
    for (const r of client.requests) {
      expect(r.signal.reason).toBeInstanceOf(DOMException);
      expect((r.signal.reason as DOMException).name).toBe('TimeoutError');
      expect(r.deadlineAt).toBe(Date.now());
    }
  });

  it('runs a dependent source with values from its dependency, and skips it when that fails', async () => {
    const plan = planView('profile', {
      deadlineMs: 1000,
      sources: {
        users: { integration: 'users', operation: 'list' },
        profile: { integration: 'users', operation: 'get', params: { id: '${users.items.0.id}' } },
      },
    });
    const good = caller((r) =>
      r.operation === 'list' ? ok({ items: [{ id: 'u7' }] }) : ok({ name: 'Ada' }),
    );
    const result = await runView(
      { client: good, now: () => Date.now() },
      plan,
      new AbortController().signal,
    );
    expect(good.requests.map((r) => r.params)).toEqual([{}, { id: 'u7' }]);
    expect(result.sources.profile?.status).toBe('ok');

    const failing = caller((r) =>
      r.operation === 'list'
        ? {
            ok: false,
            error: { kind: 'http_5xx', message: 'down' },
            latencyMs: 1,
            attempts: 1,
            cache: 'none',
            provider: 'users',
          }
        : ok({}),
    );
    const partial = await runView(
      { client: failing, now: () => Date.now() },
      plan,
      new AbortController().signal,
    );
    expect(failing.requests).toHaveLength(1);
    expect(partial.sources.profile).toMatchObject({
      status: 'skipped',
      error: { message: 'skipped: source users did not succeed' },
    });
  });
  it('answers a source refused at once without calling it, and reads no signal when every source is', async () => {
    const refused: CallOutcome = {
      ok: false,
      error: { kind: 'breaker_open', message: 'the circuit breaker of b is open' },
      latencyMs: 0,
      attempts: 0,
      cache: 'none',
      provider: 'b',
    };
    const client = {
      ...caller(() => ok({ n: 1 })),
      refuseAtOnce: (request: Omit<CallRequest, 'signal'>) =>
        request.integration === 'b' ? refused : undefined,
    };
    let signalReads = 0;
    const signal = () => {
      signalReads += 1;
      return new AbortController().signal;
    };
    const deps = { client, now: () => Date.now() };

    const onlyRefused = planView('closed-off', {
      deadlineMs: 100,
      sources: { x: { integration: 'b', operation: 'op' } },
    });
    const alone = await runView(deps, onlyRefused, signal);
    expect(alone.sources.x).toMatchObject({ status: 'error', error: { kind: 'breaker_open' } });
    expect(client.requests).toHaveLength(0);
    expect(signalReads).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    const mixed = planView('mixed', {
      deadlineMs: 100,
      sources: {
        x: { integration: 'b', operation: 'op' },
        y: { integration: 'a', operation: 'op' },
      },
    });
    const both = await runView(deps, mixed, signal);
    expect(both.sources.x).toMatchObject({ status: 'error', error: { kind: 'breaker_open' } });
    expect(both.sources.y).toMatchObject({ status: 'ok', data: { n: 1 } });
    expect(client.requests.map((r) => r.integration)).toEqual(['a']);
    expect(signalReads).toBe(1);
  });
});
