// Test support for the upstream tests: the BFF over the real sandbox provider servers, with helpers
// for faults, provider counters, breakers, views and the event bus. Nothing here runs at import time.
import type { CatalogInput } from '@switchboard/shared/catalog';
import {
  BusEventSchema,
  type BreakerTransitionEvent,
  type BusEvent,
  type UpstreamAttemptEvent,
  type UpstreamCallEvent,
} from '@switchboard/shared/events';
import {
  IntegrationStateSchema,
  type BreakerAction,
  type IntegrationState,
} from '@switchboard/shared/integrations';
import {
  SandboxProviderListSchema,
  SideEffectsSchema,
  type ProviderFaultsPatch,
  type SideEffects,
} from '@switchboard/shared/sandbox';
import {
  ViewResultSchema,
  type SourceResult,
  type ViewResult,
} from '@switchboard/shared/upstreams';
import { loadConfig } from '../config/config';
import { fastHasher } from '../auth/test-auth';
import { signIn, testEnv, type TestClient } from '../auth/test-session';
import { silentLogger } from '../http/logger';
import type { Clock } from '../resilience/clock';
import { startServer, type RunningServer } from '../runtime/node/server';
import type { RunningSandbox } from '../runtime/node/sandbox-servers';
import type { CallOutcome, CallRequest } from './call-types';
import { randomHex } from './trace';

export type IntegrationInput = CatalogInput['integrations'][string];
export type PoliciesInput = NonNullable<IntegrationInput['policies']>;

/**
 * Policies that keep a test fast and its counts exact: one attempt, a breaker that does not trip,
 * no client-side throttling, room for 200 concurrent calls. Tests override what they exercise.
 */
export const quietPolicies = {
  timeout: { connectMs: 500, totalMs: 1_000 },
  retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 20 },
  breaker: { mode: 'consecutive', threshold: 1_000, halfOpenAfterMs: 200 },
  bulkhead: { maxConcurrent: 200, maxQueue: 200 },
  rateLimit: { perSecond: 10_000, burst: 10_000, adaptive: false },
} as const satisfies PoliciesInput;

/** `quietPolicies` with some policies replaced field by field. */
export function policies(overrides: PoliciesInput = {}): PoliciesInput {
  return {
    timeout: { ...quietPolicies.timeout, ...overrides.timeout },
    retry: { ...quietPolicies.retry, ...overrides.retry },
    breaker: { ...quietPolicies.breaker, ...overrides.breaker },
    bulkhead: { ...quietPolicies.bulkhead, ...overrides.bulkhead },
    rateLimit: { ...quietPolicies.rateLimit, ...overrides.rateLimit },
    ...(overrides.cache && { cache: overrides.cache }),
  };
}

/**
 * An integration of its own over the sandbox's `users` provider (no auth), so each test has a
 * breaker, budget and cache nobody else touches while the provider's counters stay shared.
 */
export function overUsers(
  baseUrls: ReadonlyMap<string, string>,
  integrationPolicies: PoliciesInput,
  operations: IntegrationInput['operations'] = {
    summary: { method: 'GET', path: '/v1/users/summary' },
    get: { method: 'GET', path: '/v1/users/{id}' },
    create: { method: 'POST', path: '/v1/users' },
  },
): IntegrationInput {
  const baseUrl = baseUrls.get('users');
  if (baseUrl === undefined) throw new Error('the sandbox users provider is not listening');
  return { baseUrl, allowPrivateNetwork: true, policies: integrationPolicies, operations };
}

/** Every bus event since the harness started (or was last cleared), parsed against its schema. */
export interface EventLog {
  readonly all: readonly BusEvent[];
  attempts(integration: string): UpstreamAttemptEvent[];
  calls(integration: string): UpstreamCallEvent[];
  transitions(integration: string): BreakerTransitionEvent[];
  /** The first event (already seen or still to come) that `match` accepts; rejects after `timeoutMs`. */
  next<E extends BusEvent>(match: (event: BusEvent) => event is E, timeoutMs?: number): Promise<E>;
  clear(): void;
}

function recordEvents(running: RunningServer): EventLog & { stop: () => void } {
  const events: BusEvent[] = [];
  const waiters = new Set<(event: BusEvent) => void>();
  const stop = running.switchboard.bus.subscribe((raw) => {
    const event = BusEventSchema.parse(raw);
    events.push(event);
    for (const waiter of [...waiters]) waiter(event);
  });
  const ofType =
    <T extends BusEvent['type']>(type: T) =>
    (integration: string) =>
      events.filter(
        (e): e is Extract<BusEvent, { type: T }> =>
          e.type === type && e.integration === integration,
      );
  return {
    get all() {
      return events;
    },
    attempts: ofType('upstream.attempt'),
    calls: ofType('upstream.call'),
    transitions: ofType('breaker.transition'),
    next(match, timeoutMs = 2_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching bus event within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (event: BusEvent) => {
          if (!match(event)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(event);
        };
        waiters.add(waiter);
      });
    },
    clear: () => {
      events.length = 0;
    },
    stop,
  };
}

/** A breaker transition of `integration` to `to`, for `EventLog.next`. */
export const transitionTo =
  (integration: string, to: BreakerTransitionEvent['to'], reason?: string) =>
  (event: BusEvent): event is BreakerTransitionEvent =>
    event.type === 'breaker.transition' &&
    event.integration === integration &&
    event.to === to &&
    (reason === undefined || event.reason === reason);

/**
 * Polls `probe` until it returns something other than `undefined`; rejects after `timeoutMs`.
 * For state that changes with time rather than with an event (a breaker's open wait running out).
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 2_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export type CallInput = Omit<CallRequest, 'signal' | 'traceId'> & { signal?: AbortSignal };

export interface Harness {
  readonly server: RunningServer;
  readonly sandbox: RunningSandbox;
  readonly events: EventLog;
  /** Signed in as an operator: cookie, Origin and X-CSRF on every request. */
  readonly api: TestClient;
  url(path: string): string;
  /** PATCH /api/sandbox/providers/:name */
  setFaults(provider: string, patch: ProviderFaultsPatch): Promise<void>;
  /** Requests the provider has received, from GET /api/sandbox/providers. */
  requests(provider: string): Promise<number>;
  /** GET /api/sandbox/providers/:name/effects */
  effects(provider: string): Promise<SideEffects>;
  /** GET /api/integrations/:name */
  integration(name: string): Promise<IntegrationState>;
  /** POST /api/integrations/:name/breaker */
  breaker(name: string, action: BreakerAction['action']): Promise<IntegrationState>;
  /** One call through the engine's public entry point, with a 5 s safety deadline. */
  call(request: CallInput): Promise<CallOutcome>;
  /** GET /api/views/:name, parsed. */
  view(name: string): Promise<ViewResult>;
  /** Healthy providers, zeroed effect counters, an empty event log. */
  reset(): void;
  close(): Promise<void>;
}

async function json(response: Response, what: string): Promise<unknown> {
  if (!response.ok)
    throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/**
 * Starts the BFF on an ephemeral port with `catalog` over the sandbox providers (auth enforced,
 * demo traffic off).
 * @example const h = await startHarness((urls) => ({ integrations: { a: overUsers(urls, policies()) } }));
 */
export async function startHarness(
  catalog: (baseUrls: ReadonlyMap<string, string>) => CatalogInput,
  options: {
    /** The app's clock: a manual one makes breaker waits and cache ages move only when told. */
    clock?: Clock;
  } = {},
): Promise<Harness> {
  const server = await startServer(loadConfig(testEnv()), silentLogger, {
    catalog,
    ...(options.clock && { clock: options.clock }),
    // Signing in hashes four passwords: at the production cost, seconds on a loaded machine.
    passwords: fastHasher(),
  });
  const sandbox = server.sandbox;
  if (!sandbox) {
    await server.close();
    throw new Error('the sandbox did not start');
  }
  const events = recordEvents(server);
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  const api = await signIn(url(''), 'operator');
  const fetch = (path: string, init?: RequestInit) => api.fetch(path, init);
  const post = (path: string, body: unknown, method = 'POST') =>
    fetch(url(path), {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  return {
    server,
    sandbox,
    events,
    api,
    url,
    async setFaults(provider, patch) {
      await json(await post(`/api/sandbox/providers/${provider}`, patch, 'PATCH'), 'PATCH faults');
    },
    async requests(provider) {
      const list = SandboxProviderListSchema.parse(
        await json(await fetch(url('/api/sandbox/providers')), 'GET providers'),
      );
      const found = [...list.providers, ...list.authServers].find((p) => p.name === provider);
      if (!found) throw new Error(`no sandbox provider ${provider}`);
      return found.requests;
    },
    async effects(provider) {
      return SideEffectsSchema.parse(
        await json(await fetch(url(`/api/sandbox/providers/${provider}/effects`)), 'GET effects'),
      );
    },
    async integration(name) {
      return IntegrationStateSchema.parse(
        await json(await fetch(url(`/api/integrations/${name}`)), 'GET integration'),
      );
    },
    async breaker(name, action) {
      return IntegrationStateSchema.parse(
        await json(await post(`/api/integrations/${name}/breaker`, { action }), 'POST breaker'),
      );
    },
    call({ signal, ...request }) {
      return server.switchboard.engine.call({
        ...request,
        signal: signal ?? AbortSignal.timeout(5_000),
        traceId: randomHex(16),
      });
    },
    async view(name) {
      return ViewResultSchema.parse(await json(await fetch(url(`/api/views/${name}`)), 'GET view'));
    },
    reset() {
      sandbox.sandbox.reset();
      events.clear();
    },
    async close() {
      events.stop();
      await server.close();
    },
  };
}

/** The section `id` of a view result; throws naming the sections it has. */
export function section(result: ViewResult, id: string): SourceResult {
  const found = result.sources[id];
  if (!found) {
    throw new Error(
      `view ${result.view} has no source ${id}: ${Object.keys(result.sources).join()}`,
    );
  }
  return found;
}
