// The one place settings are read: environment variables, validated at start-up.
import { z } from 'zod';

const booleanFlag = z
  .enum(['on', 'off', 'true', 'false', '1', '0'], {
    error: 'use on or off',
  })
  .transform((v) => v === 'on' || v === 'true' || v === '1');

/** A comma-separated list of `item`s; blanks ignored. */
const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

const originSchema = z
  .string()
  .regex(
    /^https?:\/\/[^/\s]+$/i,
    'use scheme://host[:port] with no path, e.g. https://ops.example.com',
  )
  .transform((v) => v.toLowerCase());

const EnvSchema = z.object({
  PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65_535).default(8080),
  SWITCHBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  SWITCHBOARD_SANDBOX: booleanFlag.default(true),
  SWITCHBOARD_SANDBOX_TRAFFIC_RPS: z.coerce
    .number({ error: 'must be a number of requests per second' })
    .min(0)
    .max(1000)
    .default(2),
  /** Synthetic health checks (each integration's `healthCheck`); tests that count calls turn them off. */
  SWITCHBOARD_HEALTH_CHECKS: booleanFlag.default(true),
  SWITCHBOARD_WEB_DIR: z.string().min(1).optional(),
  SWITCHBOARD_LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
    .default('info'),
  SWITCHBOARD_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /** How long a worker's claim on a job holds before another may take it (a crashed worker's jobs wait this long). */
  SWITCHBOARD_QUEUE_LEASE_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /**
   * Retention (issue 7): succeeded and discarded jobs, finished flow runs and webhook log lines
   * are deleted once older than this many hours; dead letters and work under way never are. Keep
   * jobs longer than your webhook providers redeliver: a delivery id is deduplicated by its job.
   */
  SWITCHBOARD_JOB_RETENTION_HOURS: z.coerce.number().int().min(1).max(87_600).default(168),
  SWITCHBOARD_FLOW_RUN_RETENTION_HOURS: z.coerce.number().int().min(1).max(87_600).default(168),
  SWITCHBOARD_WEBHOOK_LOG_RETENTION_HOURS: z.coerce.number().int().min(1).max(87_600).default(168),
  /** How often old records (and expired idempotency keys) are pruned, in small batches. */
  SWITCHBOARD_RETENTION_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** Path to the catalog file (YAML or JSON); unset in sandbox mode means the sandbox's own catalog. */
  SWITCHBOARD_CONFIG: z.string().min(1).optional(),
  /** SQLite files, signing keys: everything the embedded default persists. */
  SWITCHBOARD_DATA_DIR: z.string().min(1).default('.data'),
  /** The first admin's password; when unset on first start one is generated and printed once. */
  SWITCHBOARD_ADMIN_PASSWORD: z.string().min(12, 'use at least 12 characters').max(1024).optional(),
  /** Other origins the console may be served from (the BFF's own origin is always allowed). */
  SWITCHBOARD_ALLOWED_ORIGINS: commaList(originSchema).default([]),
  /** Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed, as IPs or CIDR ranges. */
  SWITCHBOARD_TRUSTED_PROXIES: commaList(
    z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'use IPs or CIDR ranges'),
  ).default([]),
  SWITCHBOARD_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Inbound webhook deliveries per minute per sending address (refused with 429 beyond). */
  SWITCHBOARD_WEBHOOK_RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .default(6_000),
  SWITCHBOARD_SESSION_RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(600),
  SWITCHBOARD_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(8 * 60),
  /** How long a just-rotated refresh token still yields its successor (tabs refreshing at once). */
  SWITCHBOARD_REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
  /** Single sign-on with OpenID Connect: set the issuer to turn it on. */
  SWITCHBOARD_OIDC_ISSUER: z
    .url({
      protocol: /^https?$/,
      error: 'use the issuer URL, e.g. https://id.example.com/realms/ops',
    })
    .optional(),
  SWITCHBOARD_OIDC_CLIENT_ID: z.string().min(1).optional(),
  SWITCHBOARD_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Where the provider sends the browser back: this BFF's `/auth/oidc/callback` as users reach it. */
  SWITCHBOARD_OIDC_REDIRECT_URI: z.url({ protocol: /^https?$/ }).optional(),
  SWITCHBOARD_OIDC_NAME: z.string().min(1).max(60).optional(),
  /**
   * Where the provider sends the browser after sign-out ends its session there (RP-initiated
   * logout); must be registered at the provider. Unset: the provider shows its own page.
   */
  SWITCHBOARD_OIDC_POST_LOGOUT_REDIRECT_URI: z.url({ protocol: /^https?$/ }).optional(),
  SWITCHBOARD_OIDC_ROLE_CLAIM: z.string().min(1).default('groups'),
  SWITCHBOARD_OIDC_ADMIN_GROUPS: commaList(z.string()).default([]),
  SWITCHBOARD_OIDC_OPERATOR_GROUPS: commaList(z.string()).default([]),
  SWITCHBOARD_OIDC_VIEWER_GROUPS: commaList(z.string()).default([]),
  /** `viewer` lets in anyone the provider signs in; `none` refuses users no group maps. */
  SWITCHBOARD_OIDC_DEFAULT_ROLE: z.enum(['viewer', 'none']).default('none'),
  SWITCHBOARD_SESSION_MAX_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(90 * 24)
    .default(7 * 24),
  /** When set, `GET /metrics` asks for `Authorization: Bearer <this>`; unset, it is open. */
  SWITCHBOARD_METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').max(1024).optional(),
  /** Where finished spans are sent as OTLP/HTTP JSON, e.g. http://127.0.0.1:4318/v1/traces. */
  SWITCHBOARD_OTLP_ENDPOINT: z
    .url({
      protocol: /^https?$/,
      error: 'use the collector URL, e.g. http://127.0.0.1:4318/v1/traces',
    })
    .optional(),
});

export type Config = {
  port: number;
  host: string;
  sandbox: { enabled: boolean; trafficPerSecond: number };
  webDir: string | undefined;
  healthChecks: boolean;
  logLevel: z.infer<typeof EnvSchema>['SWITCHBOARD_LOG_LEVEL'];
  shutdownGraceMs: number;
  /** The queue's job lease: how long until a job held by a dead worker runs again. */
  queueLeaseMs: number;
  /** How long settled jobs, finished flow runs and webhook log lines are kept, and the prune period. */
  retention: { jobsMs: number; flowRunsMs: number; webhookLogMs: number; intervalMs: number };
  /** The catalog file to load with `loadCatalogFile`, when one is configured. */
  configFile: string | undefined;
  dataDir: string;
  /** A secret: never log the config object whole. */
  adminPassword: string | undefined;
  security: {
    allowedOrigins: string[];
    trustedProxies: string[];
    ratePerMinute: number;
    sessionRatePerMinute: number;
    /** Inbound webhook deliveries per minute per sending address. */
    webhookRatePerMinute: number;
  };
  sessions: { idleMs: number; absoluteMs: number; reuseGraceMs: number };
  /** `metricsToken` is a secret: never log it. */
  telemetry: { metricsToken: string | undefined; otlpEndpoint: string | undefined };
  /** Present when single sign-on is configured; the client secret makes it a secret. */
  oidc:
    | {
        issuer: string;
        clientId: string;
        clientSecret: string;
        redirectUri: string;
        postLogoutRedirectUri: string | undefined;
        name: string | undefined;
        roleClaim: string;
        roleMapping: { admin: string[]; operator: string[]; viewer: string[] };
        defaultRole: 'viewer' | null;
      }
    | undefined;
};

/** Thrown when settings are invalid; its message lists every problem, one per line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly problems: string[],
    /** The first line of the message, e.g. which file the problems are in. */
    title = 'Invalid settings',
  ) {
    super(`${title}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Parses settings from an environment-like record.
 * @example loadConfig(process.env).port // 8080 unless PORT is set
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset" so `PORT= npm start` behaves like no PORT at all.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        // Secrets are named, never echoed: start-up errors end up in logs.
        const shown = /PASSWORD|SECRET|TOKEN|KEY/.test(name)
          ? '(hidden)'
          : JSON.stringify(env[name] ?? '');
        return `${name}=${shown}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  const oidcMissing = e.SWITCHBOARD_OIDC_ISSUER
    ? (
        [
          'SWITCHBOARD_OIDC_CLIENT_ID',
          'SWITCHBOARD_OIDC_CLIENT_SECRET',
          'SWITCHBOARD_OIDC_REDIRECT_URI',
        ] as const
      ).filter((name) => e[name] === undefined)
    : [];
  if (oidcMissing.length > 0)
    throw new ConfigError(
      oidcMissing.map((name) => `${name} is required when SWITCHBOARD_OIDC_ISSUER is set`),
    );
  return {
    port: e.PORT,
    host: e.SWITCHBOARD_HOST,
    sandbox: {
      enabled: e.SWITCHBOARD_SANDBOX,
      trafficPerSecond: e.SWITCHBOARD_SANDBOX_TRAFFIC_RPS,
    },
    webDir: e.SWITCHBOARD_WEB_DIR,
    healthChecks: e.SWITCHBOARD_HEALTH_CHECKS,
    logLevel: e.SWITCHBOARD_LOG_LEVEL,
    shutdownGraceMs: e.SWITCHBOARD_SHUTDOWN_GRACE_MS,
    queueLeaseMs: e.SWITCHBOARD_QUEUE_LEASE_MS,
    retention: {
      jobsMs: e.SWITCHBOARD_JOB_RETENTION_HOURS * 3600_000,
      flowRunsMs: e.SWITCHBOARD_FLOW_RUN_RETENTION_HOURS * 3600_000,
      webhookLogMs: e.SWITCHBOARD_WEBHOOK_LOG_RETENTION_HOURS * 3600_000,
      intervalMs: e.SWITCHBOARD_RETENTION_INTERVAL_SECONDS * 1000,
    },
    configFile: e.SWITCHBOARD_CONFIG,
    dataDir: e.SWITCHBOARD_DATA_DIR,
    adminPassword: e.SWITCHBOARD_ADMIN_PASSWORD,
    security: {
      allowedOrigins: e.SWITCHBOARD_ALLOWED_ORIGINS,
      trustedProxies: e.SWITCHBOARD_TRUSTED_PROXIES,
      ratePerMinute: e.SWITCHBOARD_RATE_LIMIT_PER_MINUTE,
      sessionRatePerMinute: e.SWITCHBOARD_SESSION_RATE_LIMIT_PER_MINUTE,
      webhookRatePerMinute: e.SWITCHBOARD_WEBHOOK_RATE_LIMIT_PER_MINUTE,
    },
    sessions: {
      idleMs: e.SWITCHBOARD_SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: e.SWITCHBOARD_SESSION_MAX_HOURS * 3600_000,
      reuseGraceMs: e.SWITCHBOARD_REFRESH_REUSE_GRACE_SECONDS * 1000,
    },
    telemetry: {
      metricsToken: e.SWITCHBOARD_METRICS_TOKEN,
      otlpEndpoint: e.SWITCHBOARD_OTLP_ENDPOINT,
    },
    oidc:
      e.SWITCHBOARD_OIDC_ISSUER &&
      e.SWITCHBOARD_OIDC_CLIENT_ID &&
      e.SWITCHBOARD_OIDC_CLIENT_SECRET &&
      e.SWITCHBOARD_OIDC_REDIRECT_URI
        ? {
            issuer: e.SWITCHBOARD_OIDC_ISSUER,
            clientId: e.SWITCHBOARD_OIDC_CLIENT_ID,
            clientSecret: e.SWITCHBOARD_OIDC_CLIENT_SECRET,
            redirectUri: e.SWITCHBOARD_OIDC_REDIRECT_URI,
            postLogoutRedirectUri: e.SWITCHBOARD_OIDC_POST_LOGOUT_REDIRECT_URI,
            name: e.SWITCHBOARD_OIDC_NAME,
            roleClaim: e.SWITCHBOARD_OIDC_ROLE_CLAIM,
            roleMapping: {
              admin: e.SWITCHBOARD_OIDC_ADMIN_GROUPS,
              operator: e.SWITCHBOARD_OIDC_OPERATOR_GROUPS,
              viewer: e.SWITCHBOARD_OIDC_VIEWER_GROUPS,
            },
            defaultRole: e.SWITCHBOARD_OIDC_DEFAULT_ROLE === 'viewer' ? 'viewer' : null,
          }
        : undefined,
  };
}
