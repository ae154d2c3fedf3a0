// Test fixtures for the integrations feature: a well-formed integration state and sample.
import type { IntegrationState } from '@switchboard/shared/integrations';
import type { IntegrationSample } from '@switchboard/shared/stream';
import type { DetailPoint } from './streams/live-detail';

export function integrationState(
  name: string,
  patch: Partial<IntegrationState> = {},
): IntegrationState {
  return {
    name,
    capability: name.startsWith('email') ? 'email' : null,
    controls: { enabled: true, provider: 'automatic' },
    breaker: {
      state: 'closed',
      forced: null,
      mode: 'consecutive',
      consecutiveFailures: 0,
      windowCalls: 0,
      windowFailures: 0,
      windowSlow: 0,
      failureRatio: 0,
      distanceToTrip: 5,
    },
    bulkhead: { active: 0, queued: 0, maxConcurrent: 16, maxQueue: 32 },
    rateLimit: { perSecond: 50, headroom: 0.8, blockedForMs: 0 },
    retryBudget: { calls: 0, retries: 0, allowed: 10 },
    policies: {
      timeout: { connectMs: 500, totalMs: 1500 },
      retry: {
        maxAttempts: 3,
        baseDelayMs: 50,
        maxDelayMs: 1000,
        retryOn: ['timeout'],
        budget: { ratio: 0.2, minPerSecond: 1, windowMs: 10000 },
      },
      breaker: {
        mode: 'consecutive',
        threshold: 5,
        failureRatio: 0.5,
        minimumCalls: 10,
        windowMs: 10000,
        slowCallMs: 0,
        slowCallRatio: 0.8,
        halfOpenAfterMs: 5000,
        halfOpenProbes: 1,
      },
      bulkhead: { maxConcurrent: 16, maxQueue: 32 },
      rateLimit: { perSecond: 50, burst: 50, adaptive: true },
      cache: { ttlMs: 0, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 },
    },
    operations: [{ name: 'summary', method: 'GET', path: '/v1/summary' }],
    ...patch,
  };
}

export function sample(name: string, patch: Partial<IntegrationSample> = {}): IntegrationSample {
  return {
    integration: name,
    calls: 10,
    errors: 0,
    latencyMs: { p50: 5, p95: 20, p99: 30, max: 40 },
    providers: { [name]: 10 },
    ...patch,
  };
}

/** One second of a detail chart's live series. */
export const detailPoint = (at: number, patch: Partial<DetailPoint> = {}): DetailPoint => ({
  at,
  p50: 10,
  p95: 20,
  p99: 30,
  throughput: 4,
  errors: 0,
  retries: 0,
  cacheHits: 0,
  breaker: 'closed',
  ...patch,
});
