// The declared catalog: integrations, their operations and policies, and views. Validated at start-up
// from the config file (YAML or JSON); the console shows the effective policies from the same types.
import { z } from 'zod';
import { AlertNotifySchema, AlertRuleSchema } from './alerts';
import { FlowSchema } from './flows';
import { ErrorKindSchema, NameSchema } from './upstreams';

const ms = (max = 3_600_000) => z.number().int().min(0).max(max);
/** An environment variable name holding a secret: secrets are referenced, never written inline. */
const SecretRef = z
  .string()
  .regex(
    /^[A-Z][A-Z0-9_]*$/,
    'name an environment variable (upper case, digits, _) that holds the secret',
  );

export const TimeoutPolicySchema = z
  .object({
    /** Time to establish the TCP/TLS connection. */
    connectMs: ms(60_000).default(2_000),
    /** Whole call, including reading the body. */
    totalMs: ms(120_000).default(5_000),
  })
  .strict();

export const RetryPolicySchema = z
  .object({
    /** Attempts in all, the first included; 1 disables retries. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    baseDelayMs: ms(60_000).default(100),
    maxDelayMs: ms(300_000).default(2_000),
    /** Failure kinds worth another attempt. */
    retryOn: z.array(ErrorKindSchema).default(['timeout', 'network', 'http_5xx', 'rate_limited']),
    /**
     * Envoy-style budget: retries may add at most `ratio` of the calls made over `windowMs`
     * (with `minPerSecond` always allowed), so retries cannot amplify an outage.
     */
    budget: z
      .object({
        ratio: z.number().min(0).max(1).default(0.2),
        minPerSecond: z.number().min(0).max(1_000).default(3),
        windowMs: ms(600_000).default(10_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const BreakerPolicySchema = z
  .object({
    /** `consecutive`: open after `threshold` failures in a row. `ratio`: open when the failure (or slow) ratio over `windowMs` reaches `failureRatio` with at least `minimumCalls`. */
    mode: z.enum(['consecutive', 'ratio']).default('consecutive'),
    threshold: z.number().int().min(1).max(1_000).default(5),
    failureRatio: z.number().min(0).max(1).default(0.5),
    minimumCalls: z.number().int().min(1).max(100_000).default(10),
    windowMs: ms(3_600_000).default(30_000),
    /** A successful call slower than this counts as slow; 0 disables slow-call tripping. */
    slowCallMs: ms(120_000).default(0),
    /** Share of slow calls (ratio mode) that opens the breaker. */
    slowCallRatio: z.number().min(0).max(1).default(0.8),
    /** How long the breaker stays open before admitting probes. */
    halfOpenAfterMs: ms(3_600_000).default(10_000),
    /** Probes admitted while half-open; all must succeed to close. */
    halfOpenProbes: z.number().int().min(1).max(100).default(1),
  })
  .strict();

export const BulkheadPolicySchema = z
  .object({
    maxConcurrent: z.number().int().min(1).max(10_000).default(32),
    maxQueue: z.number().int().min(0).max(100_000).default(64),
  })
  .strict();

export const RateLimitPolicySchema = z
  .object({
    /** Sustained calls per second sent to the provider. */
    perSecond: z.number().positive().max(100_000).default(50),
    burst: z.number().int().min(1).max(100_000).default(50),
    /** Follow the provider's X-RateLimit-*, RateLimit / RateLimit-Policy and Retry-After headers. */
    adaptive: z.boolean().default(true),
  })
  .strict();

export const CachePolicySchema = z
  .object({
    ttlMs: ms().default(0),
    /** After expiry, serve the stale entry at once while refreshing in the background. */
    staleWhileRevalidateMs: ms().default(0),
    /** After expiry, serve the stale entry (marked stale) when the call fails or the breaker is open. */
    staleIfErrorMs: ms().default(0),
  })
  .strict();

type WithoutDefault<S> =
  S extends z.ZodDefault<infer Inner extends z.ZodType>
    ? Inner
    : S extends z.ZodPrefault<infer Inner extends z.ZodType>
      ? Inner
      : S;

/**
 * A policy as an override layer: every field optional and, unlike `.partial()` (which in zod 4
 * still fills defaults), unset fields stay unset. Otherwise an operation's `retry: { maxAttempts: 1 }`
 * would parse with every retry default filled in and shadow the integration's own settings.
 */
function overrideLayer<Shape extends z.ZodRawShape>(policy: z.ZodObject<Shape>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(policy.shape)) {
    const inner =
      field instanceof z.ZodDefault || field instanceof z.ZodPrefault ? field.unwrap() : field;
    shape[key] = (inner as z.ZodType).optional();
  }
  return z.object(shape).strict() as unknown as z.ZodObject<
    { [K in keyof Shape]: z.ZodOptional<WithoutDefault<Shape[K]>> },
    z.core.$strict
  >;
}

/** Every policy, each optional: operations override their integration's field by field. */
export const PoliciesSchema = z
  .object({
    timeout: overrideLayer(TimeoutPolicySchema),
    retry: overrideLayer(RetryPolicySchema),
    breaker: overrideLayer(BreakerPolicySchema),
    bulkhead: overrideLayer(BulkheadPolicySchema),
    rateLimit: overrideLayer(RateLimitPolicySchema),
    cache: overrideLayer(CachePolicySchema),
  })
  .partial()
  .strict();
export type Policies = z.infer<typeof PoliciesSchema>;

/** Policies with every default applied: what actually runs. */
export const EffectivePoliciesSchema = z.object({
  timeout: TimeoutPolicySchema,
  retry: RetryPolicySchema,
  breaker: BreakerPolicySchema,
  bulkhead: BulkheadPolicySchema,
  rateLimit: RateLimitPolicySchema,
  cache: CachePolicySchema,
});
export type EffectivePolicies = z.infer<typeof EffectivePoliciesSchema>;

export const AuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('api-key'),
      header: z
        .string()
        .regex(/^[A-Za-z0-9-]+$/)
        .default('X-API-Key'),
      secretEnv: SecretRef,
    })
    .strict(),
  z.object({ type: z.literal('bearer'), tokenEnv: SecretRef }).strict(),
  z
    .object({
      type: z.literal('oauth2-client-credentials'),
      tokenUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
      clientId: z.string().min(1),
      clientSecretEnv: SecretRef,
      scope: z.string().optional(),
      /** Refresh this long before the token's expiry. */
      refreshBeforeMs: ms().default(30_000),
    })
    .strict(),
  z
    .object({
      type: z.literal('hmac'),
      secretEnv: SecretRef,
      keyId: z.string().min(1).optional(),
      /** Header names for the signature, its timestamp and nonce. */
      signatureHeader: z.string().default('X-Signature'),
      timestampHeader: z.string().default('X-Timestamp'),
      nonceHeader: z.string().default('X-Nonce'),
    })
    .strict(),
]);
export type AuthConfig = z.infer<typeof AuthSchema>;

export const TlsSchema = z
  .object({
    /** mTLS client certificate and key, as file paths (the key may be a secret file). */
    clientCertFile: z.string().min(1).optional(),
    clientKeyFile: z.string().min(1).optional(),
    /** CA certificates (PEM file) trusted for this integration in addition to the public roots: private PKI. */
    caFile: z.string().min(1).optional(),
    /** Accept only servers whose public key (SPKI) SHA-256, base64, is listed. */
    pinnedSpkiSha256: z
      .array(z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'a base64 SHA-256 digest'))
      .min(1)
      .optional(),
  })
  .strict()
  .refine((t) => (t.clientCertFile === undefined) === (t.clientKeyFile === undefined), {
    message: 'give clientCertFile and clientKeyFile together',
  });

export const HttpMethodSchema = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
export type HttpMethod = z.infer<typeof HttpMethodSchema>;

export const FallbackSchema = z.union([
  z.object({ static: z.unknown() }).strict(),
  /** A backup integration offering the same capability, used while the primary's breaker is open. */
  z.object({ integration: NameSchema, operation: NameSchema }).strict(),
]);

export const OperationSchema = z
  .object({
    method: HttpMethodSchema.default('GET'),
    /** Relative to the integration's baseUrl; `{name}` placeholders are filled from call parameters. */
    path: z.string().regex(/^\/[^\s]*$/, 'start with / and contain no spaces'),
    /** Methods other than GET/HEAD/PUT/DELETE are retried only with an idempotency key. */
    idempotent: z.boolean().optional(),
    /** JSON Schema the response body must match; a mismatch is a `parse` failure. */
    responseSchema: z.record(z.string(), z.unknown()).optional(),
    policies: PoliciesSchema.optional(),
    fallback: FallbackSchema.optional(),
  })
  .strict();
export type OperationConfig = z.infer<typeof OperationSchema>;

export const IntegrationSchema = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
    /** Hosts requests may go to; defaults to the baseUrl's host. */
    allowedHosts: z.array(z.string().min(1)).optional(),
    /** Allow private, loopback and link-local addresses (the sandbox needs loopback). */
    allowPrivateNetwork: z.boolean().default(false),
    /** What it is for, e.g. `email`: integrations with one capability can stand in for each other. */
    capability: z.string().optional(),
    auth: AuthSchema.default({ type: 'none' }),
    tls: TlsSchema.optional(),
    policies: PoliciesSchema.default({}),
    /** The operation a synthetic health check calls. */
    healthCheck: z
      .object({ operation: NameSchema, intervalMs: ms().default(15_000) })
      .strict()
      .optional(),
    operations: z
      .record(NameSchema, OperationSchema)
      .refine((o) => Object.keys(o).length > 0, 'declare at least one operation'),
  })
  .strict();
export type IntegrationConfig = z.infer<typeof IntegrationSchema>;

export const ViewSourceSchema = z
  .object({
    integration: NameSchema,
    operation: NameSchema,
    /**
     * Path parameters: literal strings, or `${source.path.to.value}` taken from an earlier source's
     * data (which makes this source wait for that one).
     */
    params: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const ViewSchema = z
  .object({
    deadlineMs: ms(120_000).default(2_000),
    /** Sources by id; run in parallel except where params depend on another source. */
    sources: z
      .record(NameSchema, ViewSourceSchema)
      .refine((s) => Object.keys(s).length > 0, 'declare at least one source'),
  })
  .strict();
export type ViewConfig = z.infer<typeof ViewSchema>;

// Flows are declared here and defined in ./flows (their runs' contracts live there too).
export { FlowRetrySchema, FlowSchema, FlowStepSchema } from './flows';
export type { FlowConfig, FlowStepConfig } from './flows';

export const WebhookSourceSchema = z
  .object({
    /**
     * How deliveries are signed: `standard-webhooks` (webhook-id / webhook-timestamp /
     * webhook-signature, `whsec_` secrets), `stripe` (Stripe-Signature), `github` (X-Hub-Signature-256).
     */
    scheme: z.enum(['standard-webhooks', 'stripe', 'github']),
    /** Environment variables holding the active secrets; several during a rotation. */
    secretsEnv: z.array(SecretRef).min(1).max(5),
    /** Signed timestamps further than this from our clock are refused (replay defence). */
    toleranceSeconds: z.number().int().min(1).max(3_600).default(300),
    /**
     * What a verified event starts, by event type (`*` for any other): a flow of this catalog,
     * with the event as its input and the delivery id as its idempotency key.
     */
    flows: z.record(z.string().min(1).max(200), NameSchema).optional(),
  })
  .strict();
export type WebhookSourceConfig = z.infer<typeof WebhookSourceSchema>;

export const CatalogSchema = z
  .object({
    integrations: z.record(NameSchema, IntegrationSchema),
    views: z.record(NameSchema, ViewSchema).default({}),
    /** Rules judged once a second on the metrics; breaches open incidents. */
    alerts: z.array(AlertRuleSchema).default([]),
    /** Where fired and resolved alerts are POSTed. */
    notify: AlertNotifySchema.optional(),
    /** Multi-step operations: sync steps, then queued steps with their own retries and compensation. */
    flows: z.record(NameSchema, FlowSchema).default({}),
    /** Inbound webhook sources, by the `:source` of `POST /webhooks/:source`. */
    webhooks: z.record(NameSchema, WebhookSourceSchema).default({}),
  })
  .strict()
  .meta({ id: 'SwitchboardConfig', title: 'Switchboard configuration' });
export type Catalog = z.infer<typeof CatalogSchema>;
export type CatalogInput = z.input<typeof CatalogSchema>;
