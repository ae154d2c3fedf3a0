// Contracts of the sandbox control API: the simulated providers and the faults injected into them.
import { z } from 'zod';
import { NameSchema } from './upstreams';

export const ProviderFaultsSchema = z
  .object({
    /** Fixed delay before answering. */
    latencyMs: z.number().int().min(0).max(60_000),
    /** Extra uniform random delay in [0, jitterMs). */
    jitterMs: z.number().int().min(0).max(60_000),
    /** Share of requests answered with a 503, from 0 to 1. */
    failureRate: z.number().min(0).max(1),
  })
  .strict()
  .meta({ id: 'ProviderFaults' });
export type ProviderFaults = z.infer<typeof ProviderFaultsSchema>;

/** A change to a provider's faults: any subset of the fields; unknown fields are refused. */
export const ProviderFaultsPatchSchema = ProviderFaultsSchema.partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'give at least one of latencyMs, jitterMs, failureRate',
  })
  .meta({ id: 'ProviderFaultsPatch' });
export type ProviderFaultsPatch = z.infer<typeof ProviderFaultsPatchSchema>;

export const SandboxProviderSchema = z
  .object({
    name: NameSchema,
    baseUrl: z.url(),
    faults: ProviderFaultsSchema,
    requests: z.number().int().nonnegative(),
  })
  .meta({ id: 'SandboxProvider' });
export type SandboxProvider = z.infer<typeof SandboxProviderSchema>;

export const SandboxProviderListSchema = z
  .object({ providers: z.array(SandboxProviderSchema) })
  .meta({ id: 'SandboxProviderList' });
export type SandboxProviderList = z.infer<typeof SandboxProviderListSchema>;
