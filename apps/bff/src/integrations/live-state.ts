// The changing part of an integration's state (breaker, bulkhead, rate limit), read from its runtime:
// one reading for the REST answers and the live stream, so the two never disagree.
import type { IntegrationLiveState } from '@switchboard/shared/integrations';
import type { IntegrationRuntime } from '../upstreams/upstream-engine';

/** @example liveStateOf(engine.integrations.get('payments'), clock.now()) */
export function liveStateOf(integration: IntegrationRuntime, now: number): IntegrationLiveState {
  const b = integration.breaker.snapshot();
  const limiter = integration.limiter.snapshot();
  return {
    breaker: {
      state: b.state,
      forced: b.forced,
      mode: b.mode,
      consecutiveFailures: b.consecutiveFailures,
      windowCalls: b.windowCalls,
      windowFailures: b.windowFailures,
      windowSlow: b.windowSlow,
      failureRatio: b.failureRatio,
      distanceToTrip: b.distanceToTrip,
    },
    bulkhead: integration.bulkhead.snapshot(),
    rateLimit: {
      perSecond: limiter.perSecond,
      headroom: limiter.headroom,
      blockedForMs: Math.max(0, (limiter.blockedUntil ?? 0) - now),
    },
  };
}
