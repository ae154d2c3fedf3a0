// The chaos form's model: fields from faults, and back to the smallest valid patch.
import { healthyProviderFaults } from '@switchboard/shared/sandbox';
import { describe, expect, it } from 'vitest';
import { faultSummary, patchFrom, valuesOf } from './chaos-model';

const healthy = healthyProviderFaults();

describe('chaos model', () => {
  it('shows rates as percentages without float noise', () => {
    expect(valuesOf({ ...healthy, failureRate: 0.07, hangRate: 0.125 })).toMatchObject({
      errorPct: '7',
      hangPct: '12.5',
      latencyMs: '20',
      errorStatus: '503',
      rateLimitStorm: false,
    });
  });

  it('sends only what changed, rates as fractions', () => {
    const values = { ...valuesOf(healthy), errorPct: '50', rateLimitStorm: true, latencyMs: '300' };
    expect(patchFrom(healthy, values)).toEqual({
      ok: true,
      patch: { failureRate: 0.5, rateLimitStorm: true, latencyMs: 300 },
    });
  });

  it('says nothing changed when nothing did', () => {
    expect(patchFrom(healthy, valuesOf(healthy))).toEqual({ ok: true, patch: null });
  });

  it('refuses out-of-range and non-numeric fields, naming each', () => {
    const result = patchFrom(healthy, {
      ...valuesOf(healthy),
      errorPct: '150',
      errorStatus: '404',
      latencyMs: '',
      resetPct: 'lots',
      jitterMs: '2.5',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([
      'errorPct',
      'errorStatus',
      'jitterMs',
      'latencyMs',
      'resetPct',
    ]);
    expect(result.errors.errorStatus).toBe('Enter a whole number from 500 to 599.');
  });

  it('summarises what is wrong with a provider, and nothing for a healthy one', () => {
    expect(faultSummary(healthy)).toEqual([]);
    expect(
      faultSummary({ ...healthy, failureRate: 1, rateLimitStorm: true, malformedRate: 0.2 }),
    ).toEqual(['failing 100 % (HTTP 503)', '429 storm', 'malformed bodies 20 %']);
  });
});
