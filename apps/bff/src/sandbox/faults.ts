// Fault injection for a sandbox provider: latency with a long tail, rate limits and 429 storms,
// hangs, connection resets, 5xx failures, malformed or drifted bodies, and slow bodies.
import type { ProviderFaults } from '@switchboard/shared/sandbox';
import type { MiddlewareHandler } from 'hono';

export interface FaultRuntime {
  random: () => number;
  /** Wall-clock milliseconds (rate-limit windows are aligned to wall-clock seconds). */
  now: () => number;
  /** Resolves after `ms`, or early (never rejecting) once `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Destroys the connection under a request without answering (Node: the socket). A runtime that
   * cannot leaves the request hanging until the client gives up, the nearest thing it can do.
   */
  resetConnection: (env: unknown) => void;
}

export interface FaultState {
  readonly name: string;
  faults: ProviderFaults;
  requests: number;
  /** The current one-second rate-limit window and the requests counted in it. */
  window: { second: number; count: number };
}

/** Reported as the limit during a storm when no limit is configured. */
const stormNominalLimit = 10;
/** Share of calls that take `latencyP99Ms`: the tail that defines the p99. */
const tailShare = 0.01;

type Outcome = 'hang' | 'reset' | 'failure' | 'malformed' | 'schema-drift' | 'normal';

/** One draw decides the outcome; earlier kinds win when the rates add up past 1. */
function drawOutcome(faults: ProviderFaults, random: () => number): Outcome {
  const shares: Array<[Outcome, number]> = [
    ['hang', faults.hangRate],
    ['reset', faults.resetRate],
    ['failure', faults.failureRate],
    ['malformed', faults.malformedRate],
    ['schema-drift', faults.schemaDriftRate],
  ];
  if (shares.every(([, share]) => share === 0)) return 'normal';
  const u = random();
  let upTo = 0;
  for (const [outcome, share] of shares) {
    upTo += share;
    if (u < upTo) return outcome;
  }
  return 'normal';
}

function injectedDelayMs(faults: ProviderFaults, random: () => number): number {
  const base = faults.latencyMs + (faults.jitterMs > 0 ? random() * faults.jitterMs : 0);
  if (faults.latencyP99Ms > 0 && random() < tailShare) return Math.max(base, faults.latencyP99Ms);
  return base;
}

/** Counts a request and its one-second rate-limit window (wall-clock seconds); returns the second. */
function countRequest(state: FaultState, nowMs: number): number {
  state.requests += 1;
  const second = Math.floor(nowMs / 1000);
  if (state.window.second !== second) state.window = { second, count: 0 };
  state.window.count += 1;
  return second;
}

/**
 * True when the faults ask for nothing but latency (fixed, jittered or with a tail): no rate
 * limit, no storm, no outcome but a normal answer, no slow body. Such a request is answered
 * exactly as `injectFaults` would, with no rate-limit headers and no body rewrite.
 */
export function onlyLatency(faults: ProviderFaults): boolean {
  return (
    faults.rateLimit.perSecond === 0 &&
    !faults.rateLimitStorm &&
    faults.hangRate === 0 &&
    faults.resetRate === 0 &&
    faults.failureRate === 0 &&
    faults.malformedRate === 0 &&
    faults.schemaDriftRate === 0 &&
    faults.slowBodyMs === 0
  );
}

/**
 * For a request under faults that ask only for latency (`onlyLatency`): counts it as
 * `injectFaults` does and returns the delay to answer after, in ms; undefined otherwise (the
 * request must go through `injectFaults`).
 */
export function latencyOnlyDelay(state: FaultState, runtime: FaultRuntime): number | undefined {
  if (!onlyLatency(state.faults)) return undefined;
  countRequest(state, runtime.now());
  return injectedDelayMs(state.faults, runtime.random);
}

/** Both the classic X-RateLimit-* headers and the IETF draft RateLimit / RateLimit-Policy ones. */
function rateLimitHeaders(
  limit: number,
  remaining: number,
  reset: { inSeconds: number; atUnixSeconds: number },
): Record<string, string> {
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(remaining),
    // GitHub's convention: the unix time (seconds) at which the window resets.
    'x-ratelimit-reset': String(reset.atUnixSeconds),
    'ratelimit-policy': `${limit};w=1`,
    ratelimit: `"default";r=${remaining};t=${reset.inSeconds}`,
  };
}

const jsonError = (
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
) =>
  new Response(JSON.stringify({ error: { type, message } }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** Resolves when the client goes away; registers no timer, so nothing outlives the request. */
const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

const isJson = (response: Response) =>
  (response.headers.get('content-type') ?? '').startsWith('application/json');

/** Copies a response with a new body, keeping status and headers (minus the stale length). */
function withBody(response: Response, body: string | ReadableStream<Uint8Array>): Response {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(body, { status: response.status, headers });
}

/**
 * Splits `bytes` into chunks sent over `durationMs`: the first at once (headers go out at once),
 * the rest evenly spaced. Cancelling the stream (the client left) stops the timers.
 */
function trickle(
  bytes: Uint8Array,
  durationMs: number,
  sleep: FaultRuntime['sleep'],
): ReadableStream<Uint8Array> {
  const chunkCount = Math.max(2, Math.min(bytes.length, Math.ceil(durationMs / 50)));
  const chunkSize = Math.ceil(bytes.length / chunkCount);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.slice(at, at + chunkSize));
  const gapMs = chunks.length > 1 ? durationMs / (chunks.length - 1) : durationMs;
  const cancelled = new AbortController();
  let next = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next > 0) await sleep(gapMs, cancelled.signal);
      if (cancelled.signal.aborted) return;
      const chunk = chunks[next];
      next += 1;
      if (chunk) controller.enqueue(chunk);
      // An empty body still takes the whole duration, so the client sees it end late.
      if (next >= Math.max(chunks.length, 2)) controller.close();
    },
    cancel() {
      cancelled.abort();
    },
  });
}

/** The response's JSON with its fields moved under another key: valid JSON, wrong shape. */
const drift = (body: unknown) => ({ apiVersion: '2099-01-01', data: body });

/**
 * Applies the provider's current faults to every request, in this order: rate limit (storm or
 * window), latency, then one outcome draw (hang, reset, failure, malformed, schema drift); the
 * body rewrites and the slow body apply to what the handlers answer.
 */
export function injectFaults(state: FaultState, runtime: FaultRuntime): MiddlewareHandler {
  return async function injectFaults(c, next) {
    const faults = state.faults;
    const signal = c.req.raw.signal;

    const nowMs = runtime.now();
    const second = countRequest(state, nowMs);
    const limit = faults.rateLimit.perSecond;
    // Delta-seconds are whole numbers and the next one-second window starts within 1 s.
    const windowReset = { inSeconds: 1, atUnixSeconds: second + 1 };
    if (faults.rateLimitStorm) {
      const retryAfter = runtime.random() < 0.5 ? 1 : 2;
      return jsonError(429, 'rate_limited', `${state.name} is shedding load`, {
        'retry-after': String(retryAfter),
        ...rateLimitHeaders(limit > 0 ? limit : stormNominalLimit, 0, {
          inSeconds: retryAfter,
          atUnixSeconds: Math.ceil(nowMs / 1000) + retryAfter,
        }),
      });
    }
    if (limit > 0 && state.window.count > limit) {
      return jsonError(429, 'rate_limited', `over ${limit} requests per second`, {
        'retry-after': String(windowReset.inSeconds),
        ...rateLimitHeaders(limit, 0, windowReset),
      });
    }

    const delayMs = injectedDelayMs(faults, runtime.random);
    if (delayMs > 0) await runtime.sleep(delayMs, signal);

    const outcome = drawOutcome(faults, runtime.random);
    if (outcome === 'hang') {
      await untilAborted(signal);
      // Nobody is listening any more; this answer only lets the handler finish.
      return c.body(null, 204);
    }
    if (outcome === 'reset') {
      runtime.resetConnection(c.env);
      await untilAborted(signal);
      return c.body(null, 204);
    }
    if (outcome === 'failure') {
      return jsonError(faults.errorStatus, 'server_error', `simulated failure of ${state.name}`);
    }

    await next();

    if (limit > 0) {
      for (const [name, value] of Object.entries(
        rateLimitHeaders(limit, Math.max(0, limit - state.window.count), windowReset),
      )) {
        c.res.headers.set(name, value);
      }
    }
    if (c.res.ok && isJson(c.res) && (outcome === 'malformed' || outcome === 'schema-drift')) {
      const text = await c.res.text();
      c.res =
        outcome === 'malformed'
          ? // Cut mid-document: whatever the body was, what is left does not parse.
            withBody(c.res, text.slice(0, Math.max(1, Math.floor(text.length / 2))))
          : withBody(c.res, JSON.stringify(drift(JSON.parse(text))));
    }
    if (faults.slowBodyMs > 0 && c.res.body) {
      const bytes = new Uint8Array(await c.res.arrayBuffer());
      c.res = withBody(c.res, trickle(bytes, faults.slowBodyMs, runtime.sleep));
    }
    return undefined;
  };
}

/** Echoes the inbound W3C `traceparent` on the answer, so tests can see it was propagated. */
export function echoTraceparent(): MiddlewareHandler {
  return async function echoTraceparent(c, next) {
    const traceparent = c.req.header('traceparent');
    await next();
    if (traceparent !== undefined) c.res.headers.set('traceparent', traceparent);
  };
}
