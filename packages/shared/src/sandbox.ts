// Contracts of the sandbox control API: the simulated providers, the faults injected into them,
// their side-effect counters and the demo traffic rate.
import { z } from 'zod';
import { NameSchema } from './upstreams';

const rate = () => z.number().min(0).max(1);
const millis = () => z.number().int().min(0).max(60_000);

export const ProviderRateLimitSchema = z
  .object({
    /** Requests admitted per one-second window; 0 turns the limit off. */
    perSecond: z.number().int().min(0).max(10_000),
  })
  .strict()
  .meta({ id: 'ProviderRateLimit' });

/**
 * What a provider does to each request. Latency model: every call waits `latencyMs` plus a uniform
 * random `[0, jitterMs)`; when `latencyP99Ms` is set, 1 % of calls instead wait `latencyP99Ms` (or
 * the normal delay if that is longer), so the injected p99 is `latencyP99Ms`. The `*Rate` outcomes
 * share one draw: they are taken in the order hang, reset, failure, malformed, schema drift, and
 * when they add up to more than 1 the earlier ones win.
 */
export const ProviderFaultsSchema = z
  .object({
    /** Fixed delay before answering. */
    latencyMs: millis(),
    /** Extra uniform random delay in [0, jitterMs). */
    jitterMs: millis(),
    /** Long tail: 1 % of calls take this long instead; 0 turns the tail off. */
    latencyP99Ms: millis(),
    /** Share of requests answered with `errorStatus`, from 0 to 1. */
    failureRate: rate(),
    /** The 5xx status a simulated failure answers with. */
    errorStatus: z.number().int().min(500).max(599),
    rateLimit: ProviderRateLimitSchema,
    /** Answer every request 429 with rate-limit headers and a Retry-After of 1–2 s. */
    rateLimitStorm: z.boolean(),
    /** Share of requests never answered (until the client gives up). */
    hangRate: rate(),
    /** Share of requests whose connection is destroyed without an answer. */
    resetRate: rate(),
    /** Share of successful answers whose JSON body is cut short (invalid JSON). */
    malformedRate: rate(),
    /** Share of successful answers that are valid JSON of the wrong shape. */
    schemaDriftRate: rate(),
    /** Headers at once, then the body trickled out over this long; 0 sends it at once. */
    slowBodyMs: millis(),
    /** Identity only: lifetime of the access tokens it issues. */
    tokenLifetimeSeconds: z.number().int().min(1).max(86_400),
  })
  .strict()
  .meta({ id: 'ProviderFaults' });
export type ProviderFaults = z.infer<typeof ProviderFaultsSchema>;

/** A healthy provider: the state every provider starts in and returns to on reset. */
export const healthyProviderFaults = (): ProviderFaults => ({
  latencyMs: 20,
  jitterMs: 30,
  latencyP99Ms: 0,
  failureRate: 0,
  errorStatus: 503,
  rateLimit: { perSecond: 0 },
  rateLimitStorm: false,
  hangRate: 0,
  resetRate: 0,
  malformedRate: 0,
  schemaDriftRate: 0,
  slowBodyMs: 0,
  tokenLifetimeSeconds: 3600,
});

/** A change to a provider's faults: any subset of the fields; unknown fields are refused. */
export const ProviderFaultsPatchSchema = ProviderFaultsSchema.partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'give at least one field to change, e.g. latencyMs or failureRate',
  })
  .meta({ id: 'ProviderFaultsPatch' });
export type ProviderFaultsPatch = z.infer<typeof ProviderFaultsPatchSchema>;

export const SandboxProviderSchema = z
  .object({
    name: NameSchema,
    baseUrl: z.url(),
    faults: ProviderFaultsSchema,
    /** Requests received since start, whatever their outcome. */
    requests: z.number().int().nonnegative(),
  })
  .meta({ id: 'SandboxProvider' });
export type SandboxProvider = z.infer<typeof SandboxProviderSchema>;

export const SandboxProviderListSchema = z
  .object({
    /** The upstreams the views read, one overview row each. */
    providers: z.array(SandboxProviderSchema),
    /**
     * Servers that issue credentials rather than serve data (the OAuth token endpoint). Listed
     * apart so every entry of `providers` stays an upstream the overview shows.
     */
    authServers: z.array(SandboxProviderSchema),
  })
  .meta({ id: 'SandboxProviderList' });
export type SandboxProviderList = z.infer<typeof SandboxProviderListSchema>;

/**
 * Side effects a provider performed (charges made, messages sent...). A request with an
 * `Idempotency-Key` counts once per key however often it is repeated; one without counts each time.
 */
export const SideEffectsSchema = z
  .object({
    total: z.number().int().nonnegative(),
    /** Effects per idempotency key (1 each when keys are honoured). */
    byKey: z.record(z.string(), z.number().int().nonnegative()),
    /** Repeats answered from the stored response instead of acting again. */
    replays: z.number().int().nonnegative(),
  })
  .meta({ id: 'SideEffects' });
export type SideEffects = z.infer<typeof SideEffectsSchema>;

export const TrafficRateSchema = z
  .object({
    /** Overview runs per second the traffic generator makes; 0 pauses it. */
    perSecond: z.number().min(0).max(200),
  })
  .strict()
  .meta({ id: 'TrafficRate' });
export type TrafficRate = z.infer<typeof TrafficRateSchema>;

/**
 * How a test delivery from the sandbox's CRM is made: correctly signed, or broken the way real
 * deliveries go wrong, so an operator sees each refusal in the webhook log.
 */
export const SandboxWebhookVariantSchema = z.enum([
  'valid',
  /** The body changed after signing. */
  'tampered',
  /** Signed ten minutes ago: outside the five-minute tolerance. */
  'expired',
  /** Signed with a secret the BFF does not hold. */
  'unknown-secret',
  /** The same delivery sent twice: the second is acknowledged, not processed. */
  'duplicate',
]);
export type SandboxWebhookVariant = z.infer<typeof SandboxWebhookVariantSchema>;

export const SandboxWebhookRequestSchema = z
  .object({
    variant: SandboxWebhookVariantSchema.default('valid'),
    /** `contact.created` starts the sandbox's contact-sync flow; other types are logged only. */
    eventType: z.enum(['contact.created', 'contact.updated']).default('contact.created'),
  })
  .strict()
  .meta({ id: 'SandboxWebhookRequest' });
export type SandboxWebhookRequest = z.input<typeof SandboxWebhookRequestSchema>;

export const SandboxWebhookResultSchema = z
  .object({
    deliveryId: z.string(),
    variant: SandboxWebhookVariantSchema,
    /** The HTTP status `POST /webhooks/crm` answered (the last one, for a duplicate). */
    status: z.number().int(),
    /** What the BFF said: `accepted`, `duplicate`, or the refusal's message. */
    outcome: z.string(),
  })
  .meta({ id: 'SandboxWebhookResult' });
export type SandboxWebhookResult = z.infer<typeof SandboxWebhookResultSchema>;
