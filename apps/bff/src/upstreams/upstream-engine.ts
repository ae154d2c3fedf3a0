// The upstream engine: every call to a declared operation goes through one policy pipeline —
// cache → bulkhead → retry (budget) → breaker → throttle → per-attempt deadline → transport —
// then, if it failed for good, its fallback or backup provider; one event per attempt and per call.
import type {
  Catalog,
  EffectivePolicies,
  IntegrationConfig,
  OperationConfig,
} from '@switchboard/shared/catalog';
import type {
  BreakerState,
  UpstreamAttemptEvent,
  UpstreamCallEvent,
} from '@switchboard/shared/events';
import type { ProviderMode } from '@switchboard/shared/integrations';
import type { CacheResult, ErrorKind, SourceError } from '@switchboard/shared/upstreams';
import { z } from 'zod';
import type { EventBus } from '../events/event-bus';
import { createBulkhead, type Bulkhead } from '../resilience/bulkhead';
import { createCircuitBreaker, type CircuitBreaker } from '../resilience/circuit-breaker';
import type { Clock } from '../resilience/clock';
import { readRateLimitHeaders } from '../resilience/rate-limit-headers';
import { createRateLimiter, type RateLimiter } from '../resilience/rate-limiter';
import { createResponseCache, type ResponseCache } from '../resilience/response-cache';
import {
  createRetry,
  createRetryBudget,
  type Retry,
  type RetryAttempt,
  type RetryCallOptions,
  type RetryBudget,
} from '../resilience/retry';
import { isUpstreamError, UpstreamError } from '../resilience/upstream-error';
import type { Authenticator } from './auth';
import { EgressRefusal } from './egress-guard';
import type { CallOutcome, CallRequest, UpstreamCaller } from './call-types';
import { effectivePolicies } from './effective-policies';
import type { HttpTransport, ResponseHeaders, TransportRequest } from './http-transport';
import { spanId } from './trace';

export interface UpstreamEngineDeps {
  catalog: Catalog;
  transport: HttpTransport;
  bus: EventBus;
  clock: Clock;
  /** Epoch milliseconds, for event timestamps and providers' date headers. */
  wallNow: () => number;
  random: () => number;
  /** Builds each integration's authenticator (secrets stay behind this function). */
  authenticator: (integration: string, config: IntegrationConfig) => Authenticator;
}

interface OperationRuntime {
  name: string;
  config: OperationConfig;
  policies: EffectivePolicies;
  retry: Retry;
  idempotent: boolean;
  /** Present for reads with a cache policy. */
  cache: ResponseCache<unknown> | undefined;
  /** The operation's URL when its path has no placeholders; shared, so never modify it. */
  fixedUrl: URL | undefined;
  validate: ((data: unknown) => boolean) | undefined;
}

/** Everything one integration shares across its operations; observable by operators. */
export interface IntegrationRuntime {
  name: string;
  config: IntegrationConfig;
  policies: EffectivePolicies;
  breaker: CircuitBreaker;
  bulkhead: Bulkhead;
  limiter: RateLimiter;
  budget: RetryBudget;
  operations: ReadonlyMap<string, OperationRuntime>;
  auth: Authenticator;
  baseUrl: URL;
  /** The error for calls refused by the open breaker; one instance, as it carries nothing per call. */
  refusal: UpstreamError;
  /** Operator switches: the kill switch and the provider switch. Changed through the engine. */
  readonly controls: IntegrationControls;
}

/** What operators have switched on one integration. */
export interface IntegrationControls {
  enabled: boolean;
  /** Integration-wide provider mode for operations with a backup integration. */
  provider: ProviderMode;
  /** Per-operation choices, which win over `provider`. */
  operations: Map<string, ProviderMode>;
}

export interface UpstreamEngine extends UpstreamCaller {
  readonly integrations: ReadonlyMap<string, IntegrationRuntime>;
  /** The kill switch: while disabled, calls fail fast with kind `disabled` and send nothing (a backup may still answer). */
  setEnabled(integration: string, enabled: boolean): void;
  /**
   * The provider switch: `backup` sends calls of `operation` (or of every operation with a backup
   * integration) straight to the backup; `automatic` lets failures decide again.
   * @throws Error when the integration or operation has no backup integration.
   */
  setProvider(integration: string, mode: ProviderMode, operation?: string): void;
  /** The provider mode in force for one operation; undefined when it has no backup integration. */
  providerOf(integration: IntegrationRuntime, operation: string): ProviderMode | undefined;
}

/** Failures after which a fallback or backup provider may stand in; a 4xx or bad body is our problem or theirs to fix, not to hide. */
const failoverKinds: ReadonlySet<ErrorKind> = new Set([
  'disabled',
  'breaker_open',
  'timeout',
  'network',
  'http_5xx',
  'rate_limited',
  'bulkhead_full',
]);
/**
 * Failures that show the provider did not act on the request: refused before sending, or answered
 * 429 / 503 (RFC 9110: the server is not handling it). Only these may send a write to the backup:
 * after a timeout, a reset, a 500, 502 or 504 the primary may have acted, and idempotency keys are
 * per provider, so failing over then could do the thing twice.
 */
const notSentKinds: ReadonlySet<ErrorKind> = new Set([
  'disabled',
  'breaker_open',
  'bulkhead_full',
  'rate_limited',
]);
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** What one call's attempts share: how many ran, and the span id of the one in flight. */
interface CallState {
  attempts: number;
  attemptSpanId: string;
}

/** A call's outcome before its latency is known, and which fallback (if any) produced it. */
type Settled = DistributiveOmit<CallOutcome, 'latencyMs'> & { fallback?: 'static' | 'failover' };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function mayFailOver(op: OperationRuntime, error: UpstreamError): boolean {
  if (!failoverKinds.has(error.kind)) return false;
  const refused = error.cause instanceof EgressRefusal;
  if (op.idempotent || refused || notSentKinds.has(error.kind) || error.details.httpStatus === 503)
    return true;
  const code = (error.details.cause as { code?: unknown } | undefined)?.code;
  return error.kind === 'network' && typeof code === 'string' && notSentCodes.has(code);
}
const idempotentMethods = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const placeholder = /\{([A-Za-z0-9_]+)\}/g;

/**
 * @example
 * const engine = createUpstreamEngine({ catalog, transport, bus, clock, wallNow: Date.now, random: Math.random, authenticator });
 * const outcome = await engine.call({ integration: 'users', operation: 'get', params: { id: '42' }, signal, traceId });
 */
export function createUpstreamEngine(deps: UpstreamEngineDeps): UpstreamEngine {
  const { clock, bus } = deps;
  const integrations = new Map<string, IntegrationRuntime>();

  for (const [name, config] of Object.entries(deps.catalog.integrations)) {
    const policies = effectivePolicies(config.policies);
    const budget = createRetryBudget(policies.retry.budget, clock);
    const breaker = createCircuitBreaker(policies.breaker, clock);
    breaker.onStateChange((change) =>
      bus.publish({
        type: 'breaker.transition',
        at: deps.wallNow(),
        integration: name,
        from: change.from,
        to: change.to,
        reason: change.reason,
        forced: change.forced,
      }),
    );
    const baseUrl = new URL(config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`);
    const operations = new Map<string, OperationRuntime>();
    for (const [opName, op] of Object.entries(config.operations)) {
      const opPolicies = effectivePolicies(config.policies, op.policies);
      const { ttlMs, staleWhileRevalidateMs, staleIfErrorMs } = opPolicies.cache;
      const cacheable =
        (op.method === 'GET' || op.method === 'HEAD') &&
        ttlMs + staleWhileRevalidateMs + staleIfErrorMs > 0;
      operations.set(opName, {
        name: opName,
        config: op,
        policies: opPolicies,
        retry: createRetry(opPolicies.retry, clock, deps.random, { budget }),
        idempotent: op.idempotent ?? idempotentMethods.has(op.method),
        cache: cacheable ? createResponseCache<unknown>(opPolicies.cache, clock) : undefined,
        fixedUrl: op.path.includes('{') ? undefined : new URL(op.path.replace(/^\//, ''), baseUrl),
        validate: compileResponseSchema(name, opName, op.responseSchema),
      });
    }
    integrations.set(name, {
      name,
      config,
      policies,
      breaker,
      bulkhead: createBulkhead(policies.bulkhead),
      limiter: createRateLimiter(policies.rateLimit, clock, { wallClock: deps.wallNow }),
      budget,
      operations,
      auth: deps.authenticator(name, config),
      refusal: new UpstreamError('breaker_open', `the circuit breaker of ${name} is open`),
      baseUrl,
      controls: { enabled: true, provider: 'automatic', operations: new Map() },
    });
  }

  const headroomOf = (integration: IntegrationRuntime) => integration.limiter.headroom();
  // One instance each per integration, as with `refusal`: they carry nothing per call.
  const disabledErrors = new Map(
    [...integrations.keys()].map((name) => [
      name,
      new UpstreamError('disabled', `${name} is disabled by an operator (kill switch)`),
    ]),
  );
  const switchedErrors = new Map(
    [...integrations.keys()].map((name) => [
      name,
      new UpstreamError('disabled', `${name} is switched to its backup provider by an operator`),
    ]),
  );
  const backupOf = (op: OperationRuntime) =>
    op.config.fallback && 'integration' in op.config.fallback ? op.config.fallback : undefined;
  function providerOf(
    integration: IntegrationRuntime,
    operation: string,
  ): ProviderMode | undefined {
    const op = integration.operations.get(operation);
    if (!op || !backupOf(op)) return undefined;
    return integration.controls.operations.get(operation) ?? integration.controls.provider;
  }
  /** A primary that was never tried: refused by the kill switch or bypassed by the provider switch. */
  const notTried = (error: UpstreamError | undefined) => {
    if (!error) throw new Error('every integration has its refusal errors');
    return { ok: false as const, error, cache: 'none' as CacheResult, attempts: 0 };
  };

  /** One attempt: throttle, breaker, per-attempt timeout, transport, classification. */
  async function attemptOnce(
    integration: IntegrationRuntime,
    op: OperationRuntime,
    request: CallRequest,
    signal: AbortSignal,
    deadlineAt: number | undefined,
    attemptSpanId: string,
  ): Promise<unknown> {
    const { limiter, breaker } = integration;
    // The breaker first: a refused call must not spend a token (or wait for one) it will not use.
    const ticket = breaker.admit();
    if (!limiter.tryAcquire()) {
      try {
        await limiter.acquire(signal, deadlineAt);
      } catch (err) {
        ticket.ignore();
        throw err;
      }
    }
    const started = clock.now();
    const attemptSignal = withTimeout(signal, op.policies.timeout.totalMs, deadlineAt, clock);
    try {
      const url = buildUrl(integration, op, request);
      const body = request.body === undefined ? undefined : JSON.stringify(request.body);
      const headers: Record<string, string> = {
        accept: 'application/json',
        traceparent: `00-${request.traceId}-${attemptSpanId}-01`,
      };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
      const outbound: TransportRequest = {
        integration: integration.name,
        url,
        method: op.config.method,
        headers,
        signal: attemptSignal.signal,
      };
      if (body !== undefined) outbound.body = body;
      // Auth types that need no wait return nothing: no await (and its microtask) on every call.
      const applied = integration.auth.apply(outbound, attemptSignal.signal);
      if (applied !== undefined) await applied;
      const response = await deps.transport(outbound);
      limiter.observe(response.status, response.headers);
      if (response.status >= 400)
        throw statusError(integration, response.status, response.headers, deps.wallNow);
      let data: unknown = null;
      if (response.body !== '') {
        try {
          data = JSON.parse(response.body);
        } catch {
          throw new UpstreamError(
            'parse',
            `${integration.name} answered with a body that is not JSON`,
            { httpStatus: response.status },
          );
        }
      }
      if (op.validate && !op.validate(data)) {
        throw new UpstreamError(
          'parse',
          `${integration.name}.${op.name} answered with data that does not match its response schema`,
          {
            httpStatus: response.status,
          },
        );
      }
      ticket.success(clock.now() - started);
      return data;
    } catch (err) {
      const error = classify(err, integration, op, attemptSignal, signal);
      if (error.kind === 'cancelled') ticket.ignore();
      else ticket.failure(error);
      if (error.details.httpStatus === 401) integration.auth.invalidate();
      throw error;
    } finally {
      attemptSignal.dispose();
    }
  }

  /**
   * The policies below the cache for one call: bulkhead → retry → attempt (breaker, throttle,
   * deadline, transport). Returned from a factory, as is the attempt reporter: tsx's keepNames
   * renames every named closure when it is created (an Object.defineProperty each), and a
   * call built these as four named closures.
   */
  function pipelineOf(
    integration: IntegrationRuntime,
    op: OperationRuntime,
    request: CallRequest,
    state: CallState,
  ): (signal: AbortSignal) => Promise<unknown> {
    const deadlineAt = request.deadlineAt;
    const idempotent = op.idempotent || request.idempotencyKey !== undefined;
    return (signal) =>
      // An open breaker refuses before the call takes a bulkhead slot or starts a retry loop: the
      // refusal should cost next to nothing. (Reading `state` also moves it to half-open when due.)
      integration.breaker.state === 'open'
        ? Promise.reject(integration.refusal)
        : integration.bulkhead.execute((slotSignal) => {
            const options: RetryCallOptions = {
              idempotent,
              signal: slotSignal,
              onAttempt: attemptReporter(integration, op, request, state),
            };
            if (deadlineAt !== undefined) options.deadlineAt = deadlineAt;
            return op.retry.execute((_attempt, attemptSignal) => {
              state.attempts += 1;
              state.attemptSpanId = spanId();
              return attemptOnce(
                integration,
                op,
                request,
                attemptSignal,
                deadlineAt,
                state.attemptSpanId,
              );
            }, options);
          }, signal);
  }

  /**
   * Attempts run one after another, and onAttempt reports each before the next starts, so the
   * event names the span its traceparent carried.
   */
  function attemptReporter(
    integration: IntegrationRuntime,
    op: OperationRuntime,
    request: CallRequest,
    state: CallState,
  ): (a: RetryAttempt) => void {
    return (a) => publishAttempt(integration, op, request, a, state.attemptSpanId);
  }

  /** The pipeline for one operation of one integration, without fallback. */
  async function callOne(
    integration: IntegrationRuntime,
    op: OperationRuntime,
    request: CallRequest,
  ): Promise<
    | { ok: true; data: unknown; cache: CacheResult; attempts: number; stale?: SourceError }
    | { ok: false; error: UpstreamError; cache: CacheResult; attempts: number }
  > {
    // The kill switch: nothing is sent, nothing waits, nothing is served from the cache.
    if (!integration.controls.enabled) return notTried(disabledErrors.get(integration.name));
    const state: CallState = { attempts: 0, attemptSpanId: '' };
    const execute = pipelineOf(integration, op, request, state);

    // A health check must reach the provider: an answer from the cache would prove nothing.
    const cache = request.synthetic ? undefined : op.cache;
    try {
      if (!cache)
        return {
          ok: true,
          data: await execute(request.signal),
          cache: 'none',
          attempts: state.attempts,
        };
      const key = `${JSON.stringify(request.params ?? {})}${JSON.stringify(request.query ?? {})}`;
      const result = await cache.get(key, execute, { signal: request.signal });
      return {
        ok: true,
        data: result.value,
        cache: result.cache,
        attempts: state.attempts,
        ...(result.staleReason === 'error' && {
          stale: toSourceError(classify(result.error, integration, op)),
        }),
      };
    } catch (err) {
      return {
        ok: false,
        error: classify(err, integration, op, undefined, request.signal),
        cache: cache ? 'miss' : 'none',
        attempts: state.attempts,
      };
    }
  }

  /**
   * What a call ends as once the primary has answered or failed: its own answer, a fallback, or
   * the backup's. Synchronous unless the backup must be called: no promise on the common path.
   */
  function settle(
    integration: IntegrationRuntime,
    op: OperationRuntime,
    request: CallRequest,
    primary: Awaited<ReturnType<typeof callOne>>,
  ): Settled | Promise<Settled> {
    if (primary.ok) {
      // Field by field, in the order of the outcome (latencyMs is added last by `call`).
      const settled: Settled = {
        ok: true,
        data: primary.data,
        attempts: primary.attempts,
        cache: primary.cache,
        provider: integration.name,
      };
      if (primary.stale) settled.degraded = { reason: primary.stale, via: 'stale' };
      return settled;
    }
    const base = { attempts: primary.attempts, cache: primary.cache, provider: integration.name };
    const reason = toSourceError(primary.error);
    const plan = op.config.fallback;
    if (!plan || !mayFailOver(op, primary.error)) return { ok: false, error: reason, ...base };
    if ('static' in plan) {
      return {
        ok: true,
        data: plan.static,
        ...base,
        degraded: { reason, via: 'static' },
        fallback: 'static',
      };
    }
    const backup = integrations.get(plan.integration);
    const backupOp = backup?.operations.get(plan.operation);
    if (!backup || !backupOp)
      throw new Error(`Unknown fallback ${plan.integration}.${plan.operation}`);
    return failOver(primary, reason, backup, backupOp, request);
  }

  async function failOver(
    primary: Awaited<ReturnType<typeof callOne>>,
    reason: SourceError,
    backup: IntegrationRuntime,
    backupOp: OperationRuntime,
    request: CallRequest,
  ): Promise<Settled> {
    const second = await callOne(backup, backupOp, request);
    const tried = {
      attempts: primary.attempts + second.attempts,
      cache: second.cache,
      provider: backup.name,
    };
    return second.ok
      ? {
          ok: true,
          data: second.data,
          ...tried,
          degraded: { reason, via: 'failover' },
          fallback: 'failover',
        }
      : { ok: false, error: toSourceError(second.error), ...tried, fallback: 'failover' };
  }

  function lookUp(request: Pick<CallRequest, 'integration' | 'operation'>) {
    const integration = integrations.get(request.integration);
    const op = integration?.operations.get(request.operation);
    if (!integration || !op)
      throw new Error(`Unknown operation ${request.integration}.${request.operation}`);
    return { integration, op };
  }

  /**
   * An open breaker with nothing cached and no fallback: the call ends here, without a signal,
   * a timer, a bulkhead slot or an await (as `callOne` would end it, only sooner).
   */
  function refuse(
    integration: IntegrationRuntime,
    op: OperationRuntime,
    request: Omit<CallRequest, 'signal'>,
  ): CallOutcome | undefined {
    if (op.config.fallback) return undefined;
    const disabled = !integration.controls.enabled;
    if (!disabled && (op.cache || integration.breaker.state !== 'open')) return undefined;
    const outcome: CallOutcome = {
      ok: false,
      error: toSourceError(
        disabled
          ? (disabledErrors.get(integration.name) ?? integration.refusal)
          : integration.refusal,
      ),
      attempts: 0,
      cache: 'none',
      provider: integration.name,
      latencyMs: 0,
    };
    publishCall(integration, op, request, deps.wallNow(), outcome, undefined);
    return outcome;
  }

  function refuseAtOnce(request: Omit<CallRequest, 'signal'>): CallOutcome | undefined {
    const { integration, op } = lookUp(request);
    return refuse(integration, op, request);
  }

  async function call(request: CallRequest): Promise<CallOutcome> {
    const { integration, op } = lookUp(request);
    const refused = refuse(integration, op, request);
    if (refused) return refused;
    const startedWall = deps.wallNow();
    const started = clock.now();
    const primary =
      providerOf(integration, op.name) === 'backup'
        ? notTried(switchedErrors.get(integration.name))
        : await callOne(integration, op, request);
    let settled = settle(integration, op, request, primary);
    if (settled instanceof Promise) settled = await settled;
    const latencyMs = clock.now() - started;
    let outcome: CallOutcome;
    let fallback: Settled['fallback'];
    if (settled.fallback === undefined) {
      // The common path: the settled object becomes the outcome, no copy.
      outcome = settled as CallOutcome;
      outcome.latencyMs = latencyMs;
    } else {
      const { fallback: used, ...rest } = settled;
      fallback = used;
      outcome = { ...rest, latencyMs };
    }
    publishCall(integration, op, request, startedWall, outcome, fallback);
    return outcome;
  }

  /** Built field by field: spreads of `cond && {...}` cost more than the rest on every attempt. */
  function publishAttempt(
    integration: IntegrationRuntime,
    op: OperationRuntime,
    request: CallRequest,
    a: RetryAttempt,
    attemptSpanId: string,
  ): void {
    const event: UpstreamAttemptEvent = {
      type: 'upstream.attempt',
      at: deps.wallNow() - a.durationMs,
      integration: integration.name,
      operation: op.name,
      attempt: a.attempt,
      outcome: a.error === undefined ? 'ok' : 'error',
      latencyMs: a.durationMs,
      breaker: breakerState(integration.breaker),
      rateLimitHeadroom: headroomOf(integration),
      traceId: request.traceId,
      spanId: attemptSpanId,
    };
    if (a.error !== undefined) {
      if (!isUpstreamError(a.error)) event.kind = 'network';
      else {
        event.kind = a.error.kind;
        if (a.error.details.httpStatus !== undefined) event.httpStatus = a.error.details.httpStatus;
      }
    }
    if (request.synthetic) event.synthetic = true;
    if (a.delayMs > 0) event.retryInMs = a.delayMs;
    if (request.parentSpanId !== undefined) event.parentSpanId = request.parentSpanId;
    bus.publish(event);
  }

  function publishCall(
    integration: IntegrationRuntime,
    op: OperationRuntime,
    request: Omit<CallRequest, 'signal'>,
    startedWall: number,
    outcome: CallOutcome,
    fallback: Settled['fallback'],
  ): void {
    const event: UpstreamCallEvent = {
      type: 'upstream.call',
      at: startedWall,
      integration: integration.name,
      operation: op.name,
      outcome: outcome.ok ? 'ok' : 'error',
      latencyMs: outcome.latencyMs,
      breaker: breakerState(integration.breaker),
      rateLimitHeadroom: headroomOf(integration),
      traceId: request.traceId,
      attempts: outcome.attempts,
      cache: outcome.cache,
      provider: outcome.provider,
    };
    if (!outcome.ok) {
      event.kind = outcome.error.kind;
      if (outcome.error.httpStatus !== undefined) event.httpStatus = outcome.error.httpStatus;
    }
    if (request.synthetic) event.synthetic = true;
    if (fallback) event.fallback = fallback;
    bus.publish(event);
  }

  function find(name: string): IntegrationRuntime {
    const integration = integrations.get(name);
    if (!integration) throw new Error(`Unknown integration ${name}`);
    return integration;
  }

  return {
    integrations,
    call,
    refuseAtOnce,
    providerOf,
    setEnabled(name, enabled) {
      find(name).controls.enabled = enabled;
    },
    setProvider(name, mode, operation) {
      const integration = find(name);
      const ops =
        operation === undefined
          ? [...integration.operations.values()]
          : [integration.operations.get(operation)].filter((op) => op !== undefined);
      if (operation !== undefined && ops.length === 0)
        throw new Error(`Unknown operation ${name}.${operation}`);
      if (!ops.some((op) => backupOf(op)))
        throw new Error(
          `${operation === undefined ? name : `${name}.${operation}`} has no backup provider`,
        );
      if (operation === undefined) {
        integration.controls.provider = mode;
        integration.controls.operations.clear();
      } else integration.controls.operations.set(operation, mode);
    },
  };
}

function breakerState(breaker: CircuitBreaker): BreakerState {
  return breaker.state;
}

function toSourceError(error: UpstreamError): SourceError {
  return {
    kind: error.kind,
    message: error.message,
    ...(error.details.httpStatus !== undefined && { httpStatus: error.details.httpStatus }),
  };
}

function buildUrl(
  integration: IntegrationRuntime,
  op: OperationRuntime,
  request: CallRequest,
): URL {
  // A path without placeholders and a call without a query: the URL is the same every time, and
  // nothing downstream changes it, so it is parsed once.
  if (op.fixedUrl && request.query === undefined) return op.fixedUrl;
  const path = op.config.path.replace(placeholder, (_whole, name: string) => {
    const value = request.params?.[name];
    if (value === undefined)
      throw new UpstreamError(
        'parse',
        `${integration.name}.${op.name} needs the path parameter "${name}"`,
      );
    // encodeURIComponent keeps `.` and `..`, which URL resolution would treat as path steps.
    if (value === '' || value === '.' || value === '..') {
      throw new UpstreamError(
        'parse',
        `${integration.name}.${op.name}: "${value}" is not a valid value for the path parameter "${name}"`,
      );
    }
    // Encoded so a value can never add path segments or a new authority.
    return encodeURIComponent(value);
  });
  const url = new URL(path.replace(/^\//, ''), integration.baseUrl);
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
  return url;
}

function statusError(
  integration: IntegrationRuntime,
  status: number,
  headers: ResponseHeaders,
  wallNow: () => number,
): UpstreamError {
  const retryAfterMs =
    status === 429 || status === 503
      ? readRateLimitHeaders(status, headers, wallNow).retryAfterMs
      : null;
  const kind: ErrorKind = status === 429 ? 'rate_limited' : status >= 500 ? 'http_5xx' : 'http_4xx';
  return new UpstreamError(kind, `${integration.name} answered HTTP ${status}`, {
    httpStatus: status,
    ...(retryAfterMs !== null && { retryAfterMs }),
  });
}

/** Classifies anything thrown on the way into an UpstreamError, once. */
function classify(
  err: unknown,
  integration: IntegrationRuntime,
  op: OperationRuntime,
  attempt?: { timedOut: () => boolean },
  caller?: AbortSignal,
): UpstreamError {
  if (isUpstreamError(err)) return err;
  if (attempt?.timedOut()) {
    return new UpstreamError(
      'timeout',
      `${integration.name} did not answer within ${op.policies.timeout.totalMs} ms`,
      { cause: err },
    );
  }
  if (caller?.aborted) {
    const reason: unknown = caller.reason;
    return reason instanceof DOMException && reason.name === 'TimeoutError'
      ? new UpstreamError('timeout', `${integration.name} did not answer before the deadline`, {
          cause: err,
        })
      : new UpstreamError('cancelled', `the call to ${integration.name} was cancelled`, {
          cause: err,
        });
  }
  const code = (err as { code?: unknown } | null)?.code;
  return new UpstreamError(
    'network',
    `could not reach ${integration.name}${typeof code === 'string' ? ` (${code})` : ''}`,
    { cause: err },
  );
}

/** The attempt's signal when the caller's deadline comes first: nothing to add, nothing to undo. */
const noTimeout = { timedOut: () => false, dispose: () => {} };

/**
 * A signal that aborts when `parent` does or after `ms`; cheaper than AbortSignal.any + timeout on
 * Node 20. When the caller's deadline ends before `ms` would, the parent's signal is used as it is.
 */
function withTimeout(
  parent: AbortSignal,
  ms: number,
  deadlineAt: number | undefined,
  clock: Clock,
) {
  if (deadlineAt !== undefined && deadlineAt <= clock.now() + ms)
    return { signal: parent, ...noTimeout };
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
  }, ms);
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/** Compiles an operation's JSON Schema once, at start-up; a bad schema is a config error. */
function compileResponseSchema(
  integration: string,
  operation: string,
  schema: Record<string, unknown> | undefined,
) {
  if (!schema) return undefined;
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema(schema);
  } catch (err) {
    throw new Error(
      `integrations.${integration}.operations.${operation}.responseSchema is not a usable JSON Schema: ${(err as Error).message}`,
    );
  }
  return (data: unknown) => validator.safeParse(data).success;
}
