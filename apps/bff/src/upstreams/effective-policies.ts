// Merges policy layers (defaults ← integration ← operation), field by field, into what actually runs.
import {
  EffectivePoliciesSchema,
  type EffectivePolicies,
  type Policies,
} from '@switchboard/shared/catalog';

const policyNames = ['timeout', 'retry', 'breaker', 'bulkhead', 'rateLimit', 'cache'] as const;

/**
 * @example effectivePolicies(integration.policies, operation.policies).retry.maxAttempts
 */
export function effectivePolicies(...layers: Array<Policies | undefined>): EffectivePolicies {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const name of policyNames) {
    merged[name] = {};
    for (const layer of layers) Object.assign(merged[name], layer?.[name]);
  }
  // Parsing applies every default; the layers were validated already, so this cannot fail on input.
  return EffectivePoliciesSchema.parse(merged);
}
