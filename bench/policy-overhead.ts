// Policy-overhead benchmark: ns per call on the success path for (a) the bare async function,
// (b) bare cockatiel wrap(timeout, retry, breaker, bulkhead), (c) our upstream engine (deadline,
// retry, breaker, bulkhead, throttle, events into the real sampler) and (d) ours on a cache hit;
// (b2), for reference, cockatiel without aborting the inner signal on return (see b2 below).
// All in process over a fake transport that answers at once: this measures policies, not HTTP.
import { createEventBus } from '@switchboard/bff/events/event-bus';
import { silentLogger } from '@switchboard/bff/http/logger';
import { createSampler, type Sampler } from '@switchboard/bff/metrics/sampler';
import { systemClock } from '@switchboard/bff/resilience/clock';
import { createAuthenticator } from '@switchboard/bff/upstreams/auth';
import type { CallRequest } from '@switchboard/bff/upstreams/call-types';
import type {
  HttpTransport,
  TransportRequest,
  TransportResponse,
} from '@switchboard/bff/upstreams/http-transport';
import {
  createUpstreamEngine,
  type UpstreamEngine,
} from '@switchboard/bff/upstreams/upstream-engine';
import { CatalogSchema } from '@switchboard/shared/catalog';
import {
  bulkhead,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { median } from './lib/load';

const rounds = Number(process.env.BENCH_ROUNDS ?? '5');
const iterations = Number(process.env.BENCH_ITERATIONS ?? '200000');
/** Which variants to run, e.g. `c` alone under `node --cpu-prof`; all by default. */
const only = new Set((process.env.BENCH_VARIANTS ?? 'a,b,b2,c,d').split(','));
/** Per-attempt deadline for both pipelines; never reached here. */
const timeoutMs = 5_000;

/** The in-memory transport: answers at once, as a pure function of nothing. */
const fakeTransport: HttpTransport = function fakeTransport(): Promise<TransportResponse> {
  return Promise.resolve({ status: 200, headers: new Headers(), body: '{}' });
};

/** One integration, one operation, no auth; limits far from binding, so nothing ever waits. */
function createEngine(cacheTtlMs: number): { engine: UpstreamEngine; sampler: Sampler } {
  const catalog = CatalogSchema.parse({
    integrations: {
      users: {
        baseUrl: 'http://users.bench.invalid/',
        policies: {
          timeout: { totalMs: timeoutMs },
          retry: { maxAttempts: 2 },
          breaker: { mode: 'consecutive', threshold: 5, halfOpenAfterMs: 10_000 },
          bulkhead: { maxConcurrent: 1000, maxQueue: 0 },
          // The schema's ceiling; at 100,000/s with a burst of 100,000 a round never runs dry
          // (checked after every round below).
          rateLimit: { perSecond: 100_000, burst: 100_000, adaptive: true },
          ...(cacheTtlMs > 0 && { cache: { ttlMs: cacheTtlMs } }),
        },
        operations: { summary: { method: 'GET', path: '/v1/users/summary' } },
      },
    },
  });
  const bus = createEventBus(silentLogger);
  // As in app.ts: the bus with the per-second sampler reading every call event.
  const sampler = createSampler(Object.keys(catalog.integrations), Date.now);
  bus.subscribe(sampler.record);
  const secrets = { get: (name: string): string => name };
  const engine = createUpstreamEngine({
    catalog,
    transport: fakeTransport,
    bus,
    clock: systemClock,
    wallNow: Date.now,
    random: Math.random,
    authenticator: (name, config) =>
      createAuthenticator(name, config.auth, {
        secrets,
        clock: systemClock,
        transport: fakeTransport,
      }),
  });
  return { engine, sampler };
}

interface Variant {
  key: string;
  label: string;
  run: () => Promise<unknown>;
  /** Called after each timed run: drains what a timer would drain in the app, checks invariants. */
  afterRun?: () => void;
}

/** Mean ns per call over `n` sequential awaited calls. */
async function timeCalls(run: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await run();
  return Number(process.hrtime.bigint() - start) / n;
}

export async function policyOverheadBenchmark(): Promise<void> {
  // A long-lived caller signal, like a view's deadline: every pipeline links to it.
  const caller = new AbortController();
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const upstream: TransportRequest = {
    url: new URL('http://users.bench.invalid/v1/users/summary'),
    method: 'GET',
    headers: { accept: 'application/json' },
    signal: caller.signal,
  };

  const cockatiel = wrap(
    timeout(timeoutMs, TimeoutStrategy.Cooperative),
    retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    bulkhead(1000, 0),
  );
  // Cockatiel's timeout aborts its inner signal whenever the call returns (`abortOnReturn`,
  // default true); on Node 20 that abort (a DOMException with a stack, an event dispatch) is about
  // half of (b). Our pipeline does not abort on success, so this is the stricter reference.
  const cockatielNoAbort = wrap(
    timeout(timeoutMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false }),
    retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    bulkhead(1000, 0),
  );
  const ours = createEngine(0);
  const cached = createEngine(3_600_000);
  const request: CallRequest = {
    integration: 'users',
    operation: 'summary',
    signal: caller.signal,
    traceId,
  };
  const events = { c: [] as number[], d: [] as number[] };
  const checkLimiter = (engine: UpstreamEngine) => {
    const tokens = engine.integrations.get('users')?.limiter.snapshot().tokens ?? 0;
    if (tokens < 1) console.warn(`  warning: the rate limiter ran dry (${tokens} tokens left)`);
  };

  const variants: Variant[] = [
    {
      key: 'a',
      label: '(a) direct call',
      run: () => fakeTransport({ ...upstream, signal: caller.signal }),
    },
    {
      key: 'b',
      label: '(b) cockatiel wrap',
      run: () =>
        cockatiel.execute(({ signal }) => fakeTransport({ ...upstream, signal }), caller.signal),
    },
    {
      key: 'b2',
      label: '(b2) cockatiel, no abort',
      run: () =>
        cockatielNoAbort.execute(
          ({ signal }) => fakeTransport({ ...upstream, signal }),
          caller.signal,
        ),
    },
    {
      key: 'c',
      label: '(c) ours, full pipeline',
      run: () => ours.engine.call(request),
      afterRun() {
        events.c.push(ours.sampler.flush().samples[0]?.calls ?? 0);
        checkLimiter(ours.engine);
      },
    },
    {
      key: 'd',
      label: '(d) ours, cache hit',
      run: () => cached.engine.call(request),
      afterRun() {
        events.d.push(cached.sampler.flush().samples[0]?.calls ?? 0);
      },
    },
  ].filter((v) => only.has(v.key));

  // The pipelines must really succeed (and the cached one really hit) before anything is timed.
  const first = await ours.engine.call(request);
  if (!first.ok || first.attempts !== 1 || first.cache !== 'none')
    throw new Error(`the pipeline did not succeed: ${JSON.stringify(first)}`);
  await cached.engine.call(request);
  const hit = await cached.engine.call(request);
  if (!hit.ok || hit.cache !== 'hit')
    throw new Error(`expected a cache hit: ${JSON.stringify(hit)}`);

  // Warm-up: JIT every path, then let the timers and rate limiter settle.
  for (const v of variants) {
    await timeCalls(v.run, Math.min(iterations, 50_000));
    v.afterRun?.();
  }
  events.c.length = 0;
  events.d.length = 0;
  await new Promise((r) => setTimeout(r, 1000));

  console.log(
    `\nPolicy overhead, success path: ${iterations} sequential calls per variant per round, ${rounds} rounds (ns per call)\n`,
  );
  const results = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  for (let r = 0; r < rounds; r++) {
    const line: string[] = [];
    // Rotate the order each round so no variant always runs first (or right after another).
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length];
      if (!v) continue;
      const ns = await timeCalls(v.run, iterations);
      v.afterRun?.();
      results.get(v.key)?.push(ns);
      line.push(`${v.key} ${ns.toFixed(0)}`);
      // Lets cleared timers and the macrotask queue drain between variants.
      await new Promise((resolve) => setImmediate(resolve));
    }
    console.log(`  round ${r + 1}: ${line.join('  ')}`);
  }

  const med = (key: string) => median(results.get(key) ?? []);
  const direct = med('a');
  console.log('\nMedians:');
  for (const v of variants) {
    const ns = med(v.key);
    const overhead = v.key === 'a' ? '' : `  overhead ${(ns - direct).toFixed(0)} ns`;
    console.log(`  ${v.label.padEnd(26)} ${ns.toFixed(0).padStart(7)} ns${overhead}`);
  }
  for (const [key, counts] of Object.entries(events))
    if (counts.length > 0)
      console.log(`  events: the sampler counted ${median(counts)} calls per (${key}) round`);
  if (only.has('a') && only.has('b') && only.has('c')) {
    const ratio = (med('c') - direct) / (med('b') - direct);
    console.log(
      `  ours / cockatiel overhead (c-a)/(b-a): ${ratio.toFixed(2)}x (target <= 1.5) ${ratio <= 1.5 ? 'met' : 'MISSED'}`,
    );
    if (only.has('b2'))
      console.log(
        `  ours / cockatiel-without-abort overhead (c-a)/(b2-a): ${((med('c') - direct) / (med('b2') - direct)).toFixed(2)}x (for reference)`,
      );
    if (only.has('d'))
      console.log(
        `  cache hit / cockatiel overhead (d-a)/(b-a): ${((med('d') - direct) / (med('b') - direct)).toFixed(2)}x`,
      );
  }
}
