// The simulated upstream providers: small Hono apps with run-time fault injection, auth and
// idempotent side effects, served on loopback; and the catalog that declares them to the BFF.
import type { CatalogInput } from '@switchboard/shared/catalog';
import { healthyProviderFaults, type ProviderFaultsPatch } from '@switchboard/shared/sandbox';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import {
  echoTraceparent,
  injectFaults,
  latencyOnlyDelay,
  type FaultRuntime,
  type FaultState,
} from './faults';
import {
  constantTimeEqual,
  createHmacVerifier,
  parseBasicAuth,
  parseBearer,
  sandboxClientId,
  type SandboxSecretName,
  type SandboxSecrets,
  type TokenIssuer,
} from './provider-auth';
import { sandboxWebhookSource } from './webhook-sender';
import { createSideEffectLedger, type SideEffectLedger, type StoredAnswer } from './side-effects';

/** How a provider authenticates its callers (when the sandbox enforces auth). */
export type ProviderAuth =
  | { type: 'none' }
  /** `Authorization: Bearer` with a token the identity provider issued. */
  | { type: 'bearer' }
  | { type: 'api-key'; header: string; secret: SandboxSecretName }
  | { type: 'hmac'; secret: SandboxSecretName };

/** What a provider's routes may use: its state and the sandbox-wide services. */
export interface ProviderContext {
  readonly state: ProviderState;
  readonly now: () => number;
  readonly tokens: TokenIssuer;
  readonly secrets: SandboxSecrets;
  /** Registers clean-up for `POST /api/sandbox/reset` (e.g. forgetting created records). */
  onReset(reset: () => void): void;
}

export interface ProviderDefinition {
  name: string;
  /** Upstreams serve data the views read; auth servers issue credentials for the others. */
  role: 'upstream' | 'auth-server';
  /** The read used by the overview view (identity: its metadata document). */
  summary: { path: string; body: (n: number, origin: string) => unknown };
  auth: ProviderAuth;
  /** Adds the provider's operations besides the summary. */
  routes?: (app: Hono, context: ProviderContext) => void;
}

export interface ProviderState extends FaultState {
  readonly definition: ProviderDefinition;
  readonly effects: SideEffectLedger;
}

export type ProviderRuntime = FaultRuntime;

// --- Request helpers --------------------------------------------------------------------------

const errorBody = (type: string, message: string) => ({ error: { type, message } });

type Parsed<T> = { ok: true; value: T; text: string } | { ok: false; response: Response };

/** Reads a JSON body against `schema`; a provider answers 400 like a real API would. */
async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<Parsed<T>> {
  const text = await c.req.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, response: c.json(errorBody('invalid_request', 'body is not JSON'), 400) };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return { ok: false, response: c.json(errorBody('invalid_request', message), 400) };
  }
  return { ok: true, value: parsed.data, text };
}

/**
 * The shared shape of every side-effecting POST: validate, then act once per Idempotency-Key.
 * Validation failures never act and are not stored, so a corrected retry with the key works.
 */
function sideEffect<T>(
  context: ProviderContext,
  schema: z.ZodType<T>,
  act: (input: T, sequence: number) => StoredAnswer,
) {
  return async function performSideEffect(c: Context): Promise<Response> {
    const key = c.req.header('idempotency-key');
    if (key !== undefined && (key.length === 0 || key.length > 255)) {
      return c.json(errorBody('invalid_request', 'Idempotency-Key must be 1–255 characters'), 400);
    }
    const parsed = await readJson(c, schema);
    if (!parsed.ok) return parsed.response;
    return context.state.effects.perform(
      key,
      `${c.req.method} ${c.req.path}\n${parsed.text}`,
      (n) => act(parsed.value, n),
    );
  };
}

const sequenceId = (prefix: string, n: number) => `${prefix}_${String(n).padStart(6, '0')}`;
const unixSeconds = (ms: number) => Math.floor(ms / 1000);

// --- Users: deterministic people, cursor pagination, create ----------------------------------

const firstNames = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken'];
const lastNames = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton'];
const seededUserCount = 1200;
const seededSince = Date.UTC(2024, 0, 1);
const maxCreatedUsers = 10_000;

interface User {
  id: string;
  name: string;
  email: string;
  createdAt: string;
}

/** User `index` (1-based) of the fixed population: the same every run. */
function seededUser(index: number): User {
  const first = firstNames[index % firstNames.length] ?? 'Ada';
  const last = lastNames[(index * 3) % lastNames.length] ?? 'Lovelace';
  return {
    id: `usr_${String(index).padStart(5, '0')}`,
    name: `${first} ${last}`,
    email: `${first}.${last}.${index}@example.com`.toLowerCase(),
    createdAt: new Date(seededSince + index * 3_600_000).toISOString(),
  };
}

// Opaque to clients, as cursors should be; inside, just the offset.
const encodeCursor = (offset: number) => btoa(`o:${offset}`).replaceAll('=', '');
function decodeCursor(cursor: string): number | undefined {
  try {
    const match = /^o:(\d{1,9})$/.exec(atob(cursor));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

const CreateUserSchema = z.object({ name: z.string().min(1).max(100), email: z.email() }).strict();

function usersRoutes(app: Hono, context: ProviderContext): void {
  const created = new Map<string, User>();
  context.onReset(() => created.clear());

  app.get('/v1/users', (c) => {
    const limitText = c.req.query('limit') ?? '20';
    const limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= 100)) {
      return c.json(errorBody('invalid_request', 'limit must be an integer from 1 to 100'), 400);
    }
    const cursor = c.req.query('cursor');
    const offset = cursor === undefined ? 0 : decodeCursor(cursor);
    if (offset === undefined) return c.json(errorBody('invalid_request', 'unknown cursor'), 400);
    const count = seededUserCount + created.size;
    const end = Math.min(count, offset + limit);
    // The fixed population first, then created users in the order they were made.
    const items: User[] = [];
    for (let i = offset; i < Math.min(end, seededUserCount); i += 1) items.push(seededUser(i + 1));
    items.push(
      ...[...created.values()].slice(
        Math.max(0, offset - seededUserCount),
        Math.max(0, end - seededUserCount),
      ),
    );
    const nextOffset = offset + limit;
    return c.json({ items, next_cursor: nextOffset < count ? encodeCursor(nextOffset) : null });
  });
  app.get('/v1/users/:id', (c) => {
    const id = c.req.param('id');
    const seeded = /^usr_(\d{5})$/.exec(id);
    const index = seeded?.[1] === undefined ? 0 : Number(seeded[1]);
    const user = index >= 1 && index <= seededUserCount ? seededUser(index) : created.get(id);
    return user ? c.json(user) : c.json(errorBody('not_found', `no user ${id}`), 404);
  });
  app.post(
    '/v1/users',
    sideEffect(context, CreateUserSchema, (input, n) => {
      const user: User = {
        id: `usr_c${String(n).padStart(5, '0')}`,
        ...input,
        createdAt: new Date(context.now()).toISOString(),
      };
      created.set(user.id, user);
      // Bounded like the idempotency store: a long-running demo must not grow without limit.
      if (created.size > maxCreatedUsers) created.delete(created.keys().next().value ?? '');
      return { status: 201, body: user };
    }),
  );
  // Deleting is the sign-up flow's compensation. A side effect like the others (once per key), so a
  // test can tell an undo that ran once from one that ran twice.
  app.delete('/v1/users/:id', (c) => {
    const id = c.req.param('id');
    const key = c.req.header('idempotency-key');
    return context.state.effects.perform(key, `DELETE ${c.req.path}`, () => {
      if (!created.delete(id))
        return { status: 404, body: errorBody('not_found', `no user ${id}`) };
      return { status: 200, body: { id, deleted: true } };
    });
  });
}

// --- Payments, email, analytics: one side-effecting operation each ---------------------------

const ChargeSchema = z
  .object({
    amount: z.number().int().positive().max(100_000_000),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
    description: z.string().max(500).optional(),
  })
  .strict();

const paymentsRoutes = (app: Hono, context: ProviderContext) =>
  app.post(
    '/v1/charges',
    sideEffect(context, ChargeSchema, (input, n) => ({
      status: 201,
      body: {
        id: sequenceId('ch', n),
        object: 'charge',
        ...input,
        status: 'succeeded',
        created: unixSeconds(context.now()),
      },
    })),
  );

const MessageSchema = z
  .object({
    to: z.email(),
    subject: z.string().min(1).max(200),
    text: z.string().max(100_000).optional(),
  })
  .strict();

const emailRoutes = (prefix: string) => (app: Hono, context: ProviderContext) =>
  app.post(
    '/v1/messages',
    sideEffect(context, MessageSchema, (input, n) => ({
      status: 202,
      body: { id: sequenceId(prefix, n), to: input.to, status: 'queued' },
    })),
  );

const EventSchema = z
  .object({
    name: z.string().min(1).max(100),
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const EventsSchema = z.union([
  EventSchema,
  z.object({ events: z.array(EventSchema).min(1).max(100) }).strict(),
]);

const analyticsRoutes = (app: Hono, context: ProviderContext) =>
  app.post(
    '/v1/events',
    sideEffect(context, EventsSchema, (input, n) => ({
      status: 202,
      body: { id: sequenceId('evb', n), accepted: 'events' in input ? input.events.length : 1 },
    })),
  );

// --- Identity: the OAuth 2 token endpoint (client credentials, client_secret_basic) -----------

/** RFC 6749 §5.2 errors are `{ error, error_description }`, not the providers' usual shape. */
const oauthError = (c: Context, status: 400 | 401, error: string, description: string) => {
  if (status === 401) c.header('www-authenticate', 'Basic realm="identity"');
  c.header('cache-control', 'no-store');
  return c.json({ error, error_description: description }, status);
};

function identityRoutes(app: Hono, context: ProviderContext): void {
  app.post('/oauth/token', async (c) => {
    const client = parseBasicAuth(c.req.header('authorization'));
    if (
      !client ||
      !constantTimeEqual(client.id, sandboxClientId) ||
      !constantTimeEqual(client.secret, context.secrets.SANDBOX_PAYMENTS_CLIENT_SECRET)
    ) {
      return oauthError(c, 401, 'invalid_client', 'authenticate the client with HTTP Basic');
    }
    if (!(c.req.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
      return oauthError(
        c,
        400,
        'invalid_request',
        'send an application/x-www-form-urlencoded body',
      );
    }
    const form = new URLSearchParams(await c.req.text());
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(c, 400, 'unsupported_grant_type', 'only client_credentials is supported');
    }
    const scope = form.get('scope') ?? undefined;
    const lifetime = context.state.faults.tokenLifetimeSeconds;
    // Issuing counts as this provider's side effect: it shows whether the BFF caches its token.
    const issued = context.state.effects.perform(undefined, '', () => ({
      status: 200,
      body: {
        access_token: context.tokens.issue(context.now(), lifetime, scope),
        token_type: 'Bearer',
        expires_in: lifetime,
        ...(scope === undefined ? {} : { scope }),
      },
    }));
    issued.headers.set('cache-control', 'no-store');
    return issued;
  });
}

// --- The providers ----------------------------------------------------------------------------

/** The providers the sandbox runs; the names match the integrations they stand in for. */
export const sandboxProviders: readonly ProviderDefinition[] = [
  {
    name: 'users',
    role: 'upstream',
    summary: {
      path: '/v1/users/summary',
      body: (n) => ({ total: 1200 + n, activeToday: 300 + (n % 50), newThisWeek: 42 }),
    },
    auth: { type: 'none' },
    routes: usersRoutes,
  },
  {
    name: 'payments',
    role: 'upstream',
    summary: {
      path: '/v1/balance',
      body: (n) => ({ currency: 'EUR', available: 1_250_000 + n * 10, pending: 84_000 }),
    },
    auth: { type: 'bearer' },
    routes: paymentsRoutes,
  },
  {
    name: 'email',
    role: 'upstream',
    summary: {
      path: '/v1/stats',
      body: (n) => ({ sentToday: 5400 + n, bounced: 12, queued: n % 7 }),
    },
    auth: { type: 'api-key', header: 'X-API-Key', secret: 'SANDBOX_EMAIL_API_KEY' },
    routes: emailRoutes('msg'),
  },
  {
    name: 'email-backup',
    role: 'upstream',
    summary: {
      path: '/v1/stats',
      body: (n) => ({ sentToday: 30 + (n % 3), bounced: 0, queued: 0 }),
    },
    auth: { type: 'api-key', header: 'X-API-Key', secret: 'SANDBOX_EMAIL_BACKUP_API_KEY' },
    routes: emailRoutes('bmsg'),
  },
  {
    name: 'analytics',
    role: 'upstream',
    summary: {
      path: '/v1/summary',
      body: (n) => ({ events: 98_000 + n * 3, activeSessions: 211 }),
    },
    auth: { type: 'hmac', secret: 'SANDBOX_ANALYTICS_HMAC_SECRET' },
    routes: analyticsRoutes,
  },
  {
    name: 'identity',
    role: 'auth-server',
    // RFC 8414 metadata: an unauthenticated GET, which makes a natural health check.
    summary: {
      path: '/.well-known/oauth-authorization-server',
      body: (_n, origin) => ({
        issuer: origin,
        token_endpoint: `${origin}/oauth/token`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      }),
    },
    auth: { type: 'none' },
    routes: identityRoutes,
  },
];

const unauthorized = (c: Context, challenge: string, message: string) => {
  c.header('www-authenticate', challenge);
  return c.json(errorBody('unauthorized', message), 401);
};

/** Refuses requests without the provider's credentials, the way each real provider would. */
function requireAuth(auth: ProviderAuth, context: ProviderContext): MiddlewareHandler | undefined {
  const realm = context.state.definition.name;
  switch (auth.type) {
    case 'none':
      return undefined;
    case 'bearer':
      return async function requireBearerToken(c, next) {
        const token = parseBearer(c.req.header('authorization'));
        if (token === undefined) {
          return unauthorized(c, `Bearer realm="${realm}"`, 'send a bearer token');
        }
        if (!context.tokens.isValid(token, context.now())) {
          return unauthorized(
            c,
            `Bearer realm="${realm}", error="invalid_token"`,
            'the access token is unknown or expired',
          );
        }
        return next();
      };
    case 'api-key': {
      const expected = context.secrets[auth.secret];
      return async function requireApiKey(c, next) {
        const key = c.req.header(auth.header);
        if (key === undefined || !constantTimeEqual(key, expected)) {
          return unauthorized(c, `ApiKey realm="${realm}"`, `send a valid ${auth.header} header`);
        }
        return next();
      };
    }
    case 'hmac': {
      const verifier = createHmacVerifier(context.secrets[auth.secret]);
      const reasons = {
        missing: 'send X-Timestamp, X-Nonce and X-Signature',
        stale: 'X-Timestamp is more than 300 s away from the server clock',
        'bad-signature': 'X-Signature does not match the request',
        'replayed-nonce': 'X-Nonce was already used',
      } as const;
      return async function requireHmacSignature(c, next) {
        const url = new URL(c.req.url);
        const verdict = await verifier.verify(
          {
            method: c.req.method,
            pathWithQuery: `${url.pathname}${url.search}`,
            body: await c.req.arrayBuffer(),
            timestamp: c.req.header('x-timestamp'),
            nonce: c.req.header('x-nonce'),
            signature: c.req.header('x-signature'),
          },
          context.now(),
        );
        if (!verdict.ok) return unauthorized(c, `HMAC realm="${realm}"`, reasons[verdict.reason]);
        return next();
      };
    }
  }
}

/** On every provider: answers `{ "traceparent": <the header it received, or null> }`. */
export const traceEchoPath = '/_sandbox/traceparent';

/** A read answered without the provider's app: after `delayMs`, status 200 and `body(origin)`. */
export interface PlainRead {
  delayMs: number;
  /** The JSON body, computed when the answer is sent (as the app's handler would). */
  body(origin: string): string;
}

export interface ProviderApp {
  app: Hono;
  /**
   * The summary read (`GET` of the exact summary path) while the provider's faults ask only for
   * latency and it checks no credentials: counted, and its delay drawn, as the app would, so a
   * runtime can answer it on a cheaper path than the app (the views' and benchmarks' hot read).
   * Undefined for any other request, which must go to `app`. The caller sends the traceparent
   * echo and `content-type: application/json`, as the app's middleware and `c.json` do.
   */
  plainRead: (method: string | undefined, url: string | undefined) => PlainRead | undefined;
  /** Forgets what the provider's operations created (faults and counters reset elsewhere). */
  reset(): void;
}

/** Builds one provider's HTTP app; every request goes through its current faults, then its auth. */
export function createProviderApp(
  state: ProviderState,
  runtime: ProviderRuntime,
  services: { tokens: TokenIssuer; secrets: SandboxSecrets; enforceAuth: boolean },
): ProviderApp {
  const resets: Array<() => void> = [];
  const context: ProviderContext = {
    state,
    now: runtime.now,
    tokens: services.tokens,
    secrets: services.secrets,
    onReset: (reset) => resets.push(reset),
  };
  const app = new Hono();
  app.use('*', echoTraceparent());
  app.use('*', injectFaults(state, runtime));
  const auth = services.enforceAuth ? requireAuth(state.definition.auth, context) : undefined;
  if (auth) app.use('*', auth);
  // The traceparent this provider received, in the body: a view over this operation shows, end to
  // end, which trace and span the BFF propagated (the header echo alone never reaches a view).
  app.get(traceEchoPath, (c) => c.json({ traceparent: c.req.header('traceparent') ?? null }));
  app.get(state.definition.summary.path, (c) =>
    c.json(state.definition.summary.body(state.requests, new URL(c.req.url).origin)),
  );
  state.definition.routes?.(app, context);
  app.notFound((c) => c.json(errorBody('not_found', 'no such sandbox endpoint'), 404));
  const summary = state.definition.summary;
  const checksCredentials = auth !== undefined;
  const body = (origin: string) => JSON.stringify(summary.body(state.requests, origin));
  return {
    app,
    plainRead: (method, url) => {
      if (method !== 'GET' || url !== summary.path || checksCredentials) return undefined;
      const delayMs = latencyOnlyDelay(state, runtime);
      return delayMs === undefined ? undefined : { delayMs, body };
    },
    reset: () => {
      for (const reset of resets) reset();
    },
  };
}

export function createProviderState(definition: ProviderDefinition): ProviderState {
  return {
    definition,
    name: definition.name,
    faults: healthyProviderFaults(),
    requests: 0,
    window: { second: 0, count: 0 },
    effects: createSideEffectLedger(),
  };
}

export function applyFaultsPatch(state: ProviderState, patch: ProviderFaultsPatch): void {
  state.faults = { ...state.faults, ...patch };
}

function baseUrlOf(baseUrls: ReadonlyMap<string, string>, name: string): string {
  const baseUrl = baseUrls.get(name);
  if (!baseUrl) throw new Error(`sandbox provider ${name} is not listening`);
  return baseUrl;
}

/**
 * The sandbox as a config file would declare it: six integrations with their operations, auth
 * (secrets referenced by the names `sandboxSecrets()` returns), policies and health checks, and the
 * `overview`, `messaging` and `user-profile` views. Validate it with `CatalogSchema.parse`.
 * @example const catalog = CatalogSchema.parse(sandboxCatalogConfig(running.baseUrls));
 */
export function sandboxCatalogConfig(baseUrls: ReadonlyMap<string, string>): CatalogInput {
  const url = (name: string) => baseUrlOf(baseUrls, name);
  // Reads are cheap to repeat; summaries may be served a little stale rather than fail.
  const cachedSummary = {
    method: 'GET',
    policies: { cache: { ttlMs: 1_000, staleWhileRevalidateMs: 4_000, staleIfErrorMs: 30_000 } },
  } as const;
  const defaults = {
    timeout: { connectMs: 500, totalMs: 1_500 },
    retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1_000 },
    breaker: {
      mode: 'ratio',
      failureRatio: 0.5,
      minimumCalls: 10,
      windowMs: 10_000,
      halfOpenAfterMs: 5_000,
    },
    bulkhead: { maxConcurrent: 16, maxQueue: 32 },
    rateLimit: { perSecond: 50, burst: 50, adaptive: true },
  } as const;
  // Writes are POSTs: the client retries them only when it sends an Idempotency-Key, which these
  // providers honour, so they are left without `idempotent: true`.
  const write = (path: string) => ({ method: 'POST', path }) as const;
  // Every 10 s on the cheapest read; synthetic calls bypass the cache, so each one reaches the provider.
  const healthCheck = { operation: 'summary', intervalMs: 10_000 };
  const email = (name: string, secretEnv: SandboxSecretName) =>
    ({
      baseUrl: url(name),
      allowPrivateNetwork: true,
      capability: 'email',
      auth: { type: 'api-key', header: 'X-API-Key', secretEnv },
      policies: defaults,
      healthCheck,
    }) as const;

  return {
    integrations: {
      users: {
        baseUrl: url('users'),
        allowPrivateNetwork: true,
        policies: defaults,
        healthCheck,
        operations: {
          summary: { ...cachedSummary, path: '/v1/users/summary' },
          list: { method: 'GET', path: '/v1/users' },
          get: { method: 'GET', path: '/v1/users/{id}' },
          create: write('/v1/users'),
          delete: { method: 'DELETE', path: '/v1/users/{id}' },
        },
      },
      payments: {
        baseUrl: url('payments'),
        allowPrivateNetwork: true,
        auth: {
          type: 'oauth2-client-credentials',
          tokenUrl: new URL('oauth/token', url('identity')).href,
          clientId: sandboxClientId,
          clientSecretEnv: 'SANDBOX_PAYMENTS_CLIENT_SECRET',
          scope: 'payments',
          refreshBeforeMs: 30_000,
        },
        policies: defaults,
        healthCheck,
        operations: {
          summary: { ...cachedSummary, path: '/v1/balance' },
          charge: write('/v1/charges'),
        },
      },
      email: {
        ...email('email', 'SANDBOX_EMAIL_API_KEY'),
        operations: {
          summary: { ...cachedSummary, path: '/v1/stats' },
          // Uncached, with the backup standing in: the `messaging` view shows failover at once.
          status: {
            method: 'GET',
            path: '/v1/stats',
            fallback: { integration: 'email-backup', operation: 'status' },
          },
          send: {
            ...write('/v1/messages'),
            fallback: { integration: 'email-backup', operation: 'send' },
          },
        },
      },
      'email-backup': {
        ...email('email-backup', 'SANDBOX_EMAIL_BACKUP_API_KEY'),
        operations: {
          summary: { ...cachedSummary, path: '/v1/stats' },
          status: { method: 'GET', path: '/v1/stats' },
          send: write('/v1/messages'),
        },
      },
      analytics: {
        baseUrl: url('analytics'),
        allowPrivateNetwork: true,
        auth: {
          type: 'hmac',
          secretEnv: 'SANDBOX_ANALYTICS_HMAC_SECRET',
          signatureHeader: 'X-Signature',
          timestampHeader: 'X-Timestamp',
          nonceHeader: 'X-Nonce',
        },
        policies: defaults,
        healthCheck,
        operations: {
          summary: { ...cachedSummary, path: '/v1/summary' },
          track: write('/v1/events'),
        },
      },
      identity: {
        baseUrl: url('identity'),
        allowPrivateNetwork: true,
        // The token endpoint authenticates the client itself; its secret is payments' to send.
        policies: { ...defaults, retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 500 } },
        healthCheck,
        operations: {
          summary: { method: 'GET', path: '/.well-known/oauth-authorization-server' },
          token: write('/oauth/token'),
        },
      },
    },
    // Alerts the demo can trip from the chaos panel: a breaker opening, or most calls failing.
    alerts: [
      { name: 'breaker-open', when: { breakerOpen: true }, severity: 'critical' },
      { name: 'error-rate', when: { errorRateAbove: 0.5, forSec: 30 } },
    ],
    views: {
      overview: {
        deadlineMs: 2_000,
        sources: {
          users: { integration: 'users', operation: 'summary' },
          payments: { integration: 'payments', operation: 'summary' },
          email: { integration: 'email', operation: 'summary' },
          'email-backup': { integration: 'email-backup', operation: 'summary' },
          analytics: { integration: 'analytics', operation: 'summary' },
        },
      },
      // What sending mail depends on right now: the email provider (or its backup) and who to mail.
      messaging: {
        deadlineMs: 2_000,
        sources: {
          users: { integration: 'users', operation: 'summary' },
          email: { integration: 'email', operation: 'status' },
        },
      },
      'user-profile': {
        deadlineMs: 2_000,
        sources: {
          users: { integration: 'users', operation: 'list' },
          // Waits for `users`: the first listed user's full record.
          profile: {
            integration: 'users',
            operation: 'get',
            params: { id: '${users.items.0.id}' },
          },
        },
      },
    },
    flows: { signup: signupFlowConfig(), 'contact-sync': contactSyncFlowConfig() },
    // The sandbox CRM's webhooks (sent from the chaos panel): a new contact becomes a user.
    webhooks: {
      [sandboxWebhookSource]: {
        scheme: 'standard-webhooks',
        secretsEnv: ['SANDBOX_WEBHOOK_SECRET'],
        flows: { 'contact.created': 'contact-sync' },
      },
    },
  };
}

/**
 * What a CRM `contact.created` webhook starts: the contact becomes a user (awaited inside the queue
 * job), then the analytics event is recorded on the queue.
 */
function contactSyncFlowConfig() {
  return {
    steps: {
      'create-user': {
        integration: 'users',
        operation: 'create',
        mode: 'sync',
        critical: true,
        body: { name: '${input.data.name}', email: '${input.data.email}' },
      },
      'analytics-event': {
        integration: 'analytics',
        operation: 'track',
        body: {
          name: 'contact.synced',
          properties: { userId: '${steps.create-user.id}', contactId: '${input.data.id}' },
        },
      },
    },
  } as const;
}

/**
 * The sign-up flow: the user is created while the caller waits; the welcome email (with failover to
 * the backup provider, as the email integration declares) and the analytics event are queued and
 * run in parallel. The email is critical: a user who can never be reached is undone (deleted).
 */
export function signupFlowConfig(
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number } = {
    maxAttempts: 6,
    baseDelayMs: 1_000,
    maxDelayMs: 60_000,
  },
) {
  return {
    steps: {
      'create-user': {
        integration: 'users',
        operation: 'create',
        mode: 'sync',
        critical: true,
        body: { name: '${input.name}', email: '${input.email}' },
        compensate: {
          integration: 'users',
          operation: 'delete',
          params: { id: '${steps.create-user.id}' },
        },
        retry,
      },
      'welcome-email': {
        integration: 'email',
        operation: 'send',
        critical: true,
        body: {
          to: '${input.email}',
          subject: 'Welcome to Switchboard, ${input.name}',
          text: 'Your account ${steps.create-user.id} is ready.',
        },
        retry,
      },
      'analytics-event': {
        integration: 'analytics',
        operation: 'track',
        body: {
          name: 'user.signed_up',
          properties: { userId: '${steps.create-user.id}', email: '${input.email}' },
        },
        retry,
      },
    },
  } as const;
}
