// Fault injection with the clock in the test's hands: a client going away releases every wait the
// provider started (latency, hang, reset, slow body), so nothing outlives the request.
import { healthyProviderFaults, type ProviderFaultsPatch } from '@switchboard/shared/sandbox';
import { describe, expect, it } from 'vitest';
import { createTokenIssuer, generateSandboxSecrets } from './provider-auth';
import {
  applyFaultsPatch,
  createProviderApp,
  createProviderState,
  sandboxProviders,
  type ProviderRuntime,
} from './providers';

/** A runtime whose sleeps only end when the test says so, or when their signal aborts. */
function manualRuntime() {
  const sleeps = new Set<{ ms: number; end: () => void }>();
  const resets: unknown[] = [];
  const runtime: ProviderRuntime = {
    random: () => 0.5,
    now: () => Date.UTC(2030, 0, 1),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        const sleep = {
          ms,
          end: () => {
            sleeps.delete(sleep);
            resolve();
          },
        };
        if (signal.aborted) return sleep.end();
        sleeps.add(sleep);
        signal.addEventListener('abort', sleep.end, { once: true });
      }),
    resetConnection: (env) => resets.push(env),
  };
  return {
    runtime,
    resets,
    pendingSleeps: () => [...sleeps].map((s) => s.ms),
    /** Ends every pending sleep, as if their time had passed. */
    elapse: () => {
      for (const sleep of [...sleeps]) sleep.end();
    },
  };
}

function usersProvider(patch: ProviderFaultsPatch) {
  const definition = sandboxProviders.find((p) => p.name === 'users');
  if (!definition) throw new Error('no users provider');
  const state = createProviderState(definition);
  applyFaultsPatch(state, { ...healthyProviderFaults(), latencyMs: 0, jitterMs: 0, ...patch });
  const clock = manualRuntime();
  const { app } = createProviderApp(state, clock.runtime, {
    tokens: createTokenIssuer(),
    secrets: generateSandboxSecrets(),
    enforceAuth: true,
  });
  const request = (signal: AbortSignal, env?: unknown): Promise<Response> =>
    Promise.resolve(
      app.request(new Request('http://users.test/v1/users/summary', { signal }), undefined, env),
    );
  return { clock, request };
}

/** Resolves on the next macrotask, after every settled promise has run its callbacks. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('a client that goes away releases what the provider was waiting on', () => {
  it('latency: the pending sleep ends when the request aborts', async () => {
    const { clock, request } = usersProvider({ latencyMs: 10_000 });
    const client = new AbortController();
    const answered = request(client.signal);
    await settle();
    expect(clock.pendingSleeps()).toEqual([10_000]);
    client.abort();
    await answered;
    expect(clock.pendingSleeps()).toEqual([]);
  });

  it('hang: waits on the abort signal alone, with no timer, and ends with it', async () => {
    const { clock, request } = usersProvider({ hangRate: 1 });
    const client = new AbortController();
    let done = false;
    const answered = request(client.signal).finally(() => (done = true));
    await settle();
    expect(clock.pendingSleeps()).toEqual([]);
    expect(done).toBe(false);
    client.abort();
    await answered;
    expect(done).toBe(true);
  });

  it('reset: asks the runtime to drop the connection, then ends when it is gone', async () => {
    const { clock, request } = usersProvider({ resetRate: 1 });
    const env = { incoming: 'the node request' };
    const client = new AbortController();
    const answered = request(client.signal, env);
    await settle();
    expect(clock.resets).toEqual([env]);
    client.abort();
    await answered;
  });

  it('slow body: cancelling the body mid-trickle ends the pending sleep', async () => {
    const { clock, request } = usersProvider({ slowBodyMs: 1_000 });
    const response = await request(new AbortController().signal);
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const first = await reader.read();
    expect(first.done).toBe(false);
    const second = reader.read();
    await settle();
    expect(clock.pendingSleeps()).toHaveLength(1);
    await reader.cancel();
    await second;
    expect(clock.pendingSleeps()).toEqual([]);
  });

  it('slow body: spreads the whole body over slowBodyMs in even gaps', async () => {
    const { clock, request } = usersProvider({ slowBodyMs: 200 });
    const response = await request(new AbortController().signal);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const chunks: Uint8Array[] = [];
    const gaps: number[] = [];
    for (;;) {
      const read = reader.read();
      await settle();
      gaps.push(...clock.pendingSleeps());
      clock.elapse();
      const result = await read;
      if (result.done) break;
      const chunk: unknown = result.value;
      if (!(chunk instanceof Uint8Array)) throw new Error('the body is not bytes');
      chunks.push(chunk);
    }
    expect(gaps.reduce((sum, ms) => sum + ms, 0)).toBeCloseTo(200, 6);
    const text = new TextDecoder().decode(Buffer.concat(chunks));
    expect(JSON.parse(text)).toMatchObject({ total: expect.any(Number) as number });
  });
});
