// The chaos form's model: provider faults shown as form fields (rates as percentages), and the
// fields turned back into the smallest patch that changes what the operator changed. Pure.
import {
  healthyProviderFaults,
  ProviderFaultsPatchSchema,
  type ProviderFaults,
  type ProviderFaultsPatch,
} from '@switchboard/shared/sandbox';

export interface ChaosValues {
  latencyMs: string;
  jitterMs: string;
  errorPct: string;
  errorStatus: string;
  rateLimitStorm: boolean;
  hangPct: string;
  resetPct: string;
  malformedPct: string;
}

export type ChaosField = keyof ChaosValues;
export type ChaosErrors = Partial<Record<ChaosField, string>>;

export type ChaosPatchResult =
  { ok: true; patch: ProviderFaultsPatch | null } | { ok: false; errors: ChaosErrors };

/** 0.125 → "12.5": percentages without float noise. */
const pctOf = (rate: number) => String(Math.round(rate * 10_000) / 100);

export function valuesOf(faults: ProviderFaults): ChaosValues {
  return {
    latencyMs: String(faults.latencyMs),
    jitterMs: String(faults.jitterMs),
    errorPct: pctOf(faults.failureRate),
    errorStatus: String(faults.errorStatus),
    rateLimitStorm: faults.rateLimitStorm,
    hangPct: pctOf(faults.hangRate),
    resetPct: pctOf(faults.resetRate),
    malformedPct: pctOf(faults.malformedRate),
  };
}

function wholeNumber(
  text: string,
  min: number,
  max: number,
  errors: ChaosErrors,
  field: ChaosField,
) {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    errors[field] = `Enter a whole number from ${min} to ${max}.`;
    return undefined;
  }
  return value;
}

function rate(text: string, errors: ChaosErrors, field: ChaosField) {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 100) {
    errors[field] = 'Enter a percentage from 0 to 100.';
    return undefined;
  }
  return Math.round(value * 100) / 10_000;
}

/**
 * Checks the fields and builds the patch of what differs from `current`; `patch: null` when
 * nothing changed.
 * @example patchFrom(faults, { ...valuesOf(faults), errorPct: '50' }) // { ok: true, patch: { failureRate: 0.5 } }
 */
export function patchFrom(current: ProviderFaults, values: ChaosValues): ChaosPatchResult {
  const errors: ChaosErrors = {};
  const next = {
    latencyMs: wholeNumber(values.latencyMs, 0, 60_000, errors, 'latencyMs'),
    jitterMs: wholeNumber(values.jitterMs, 0, 60_000, errors, 'jitterMs'),
    failureRate: rate(values.errorPct, errors, 'errorPct'),
    errorStatus: wholeNumber(values.errorStatus, 500, 599, errors, 'errorStatus'),
    rateLimitStorm: values.rateLimitStorm,
    hangRate: rate(values.hangPct, errors, 'hangPct'),
    resetRate: rate(values.resetPct, errors, 'resetPct'),
    malformedRate: rate(values.malformedPct, errors, 'malformedPct'),
  };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (value !== current[key as keyof typeof next]) patch[key] = value;
  }
  if (Object.keys(patch).length === 0) return { ok: true, patch: null };
  // The same contract the BFF checks: a form that builds something it would refuse is a bug here.
  return { ok: true, patch: ProviderFaultsPatchSchema.parse(patch) };
}

/** Everything back to the healthy defaults. */
export const healPatch = (): ProviderFaultsPatch => healthyProviderFaults();

const pct = (rate: number) => `${pctOf(rate)} %`;

/** What is wrong with a provider now, in words; empty when it behaves like a healthy one. */
export function faultSummary(faults: ProviderFaults): string[] {
  const healthy = healthyProviderFaults();
  const out: string[] = [];
  if (faults.latencyMs !== healthy.latencyMs || faults.jitterMs !== healthy.jitterMs)
    out.push(`latency ${faults.latencyMs} ms + up to ${faults.jitterMs} ms`);
  if (faults.latencyP99Ms > 0) out.push(`p99 tail ${faults.latencyP99Ms} ms`);
  if (faults.failureRate > 0)
    out.push(`failing ${pct(faults.failureRate)} (HTTP ${faults.errorStatus})`);
  if (faults.rateLimitStorm) out.push('429 storm');
  if (faults.rateLimit.perSecond > 0) out.push(`limited to ${faults.rateLimit.perSecond}/s`);
  if (faults.hangRate > 0) out.push(`hanging ${pct(faults.hangRate)}`);
  if (faults.resetRate > 0) out.push(`resetting ${pct(faults.resetRate)}`);
  if (faults.malformedRate > 0) out.push(`malformed bodies ${pct(faults.malformedRate)}`);
  if (faults.schemaDriftRate > 0) out.push(`schema drift ${pct(faults.schemaDriftRate)}`);
  if (faults.slowBodyMs > 0) out.push(`slow body ${faults.slowBodyMs} ms`);
  return out;
}
