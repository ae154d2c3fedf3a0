// The one place settings are read: environment variables, validated at start-up.
import { z } from 'zod';

const booleanFlag = z
  .enum(['on', 'off', 'true', 'false', '1', '0'], {
    error: 'use on or off',
  })
  .transform((v) => v === 'on' || v === 'true' || v === '1');

const EnvSchema = z.object({
  PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65_535).default(8080),
  SWITCHBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  SWITCHBOARD_SANDBOX: booleanFlag.default(true),
  SWITCHBOARD_SANDBOX_TRAFFIC_RPS: z.coerce
    .number({ error: 'must be a number of requests per second' })
    .min(0)
    .max(1000)
    .default(2),
  SWITCHBOARD_WEB_DIR: z.string().min(1).optional(),
  SWITCHBOARD_LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
    .default('info'),
  SWITCHBOARD_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /** Path to the catalog file (YAML or JSON); unset in sandbox mode means the sandbox's own catalog. */
  SWITCHBOARD_CONFIG: z.string().min(1).optional(),
});

export type Config = {
  port: number;
  host: string;
  sandbox: { enabled: boolean; trafficPerSecond: number };
  webDir: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['SWITCHBOARD_LOG_LEVEL'];
  shutdownGraceMs: number;
  /** The catalog file to load with `loadCatalogFile`, when one is configured. */
  configFile: string | undefined;
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
        return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.SWITCHBOARD_HOST,
    sandbox: {
      enabled: e.SWITCHBOARD_SANDBOX,
      trafficPerSecond: e.SWITCHBOARD_SANDBOX_TRAFFIC_RPS,
    },
    webDir: e.SWITCHBOARD_WEB_DIR,
    logLevel: e.SWITCHBOARD_LOG_LEVEL,
    shutdownGraceMs: e.SWITCHBOARD_SHUTDOWN_GRACE_MS,
    configFile: e.SWITCHBOARD_CONFIG,
  };
}
