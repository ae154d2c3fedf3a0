// The live state of one integration as the per-second stream sample carries it: breaker, rate-limit
// headroom and operator switches, so every console follows them within a second of a change.
import type { SampleState } from '../metrics/sampler';
import type { UpstreamEngine } from '../upstreams/upstream-engine';

/** @example createSampler(names, Date.now, (name) => sampleStateOf(engine, name)); */
export function sampleStateOf(engine: UpstreamEngine, name: string): SampleState | undefined {
  const integration = engine.integrations.get(name);
  if (!integration) return undefined;
  const breaker = integration.breaker.snapshot();
  const pinned =
    integration.controls.provider === 'backup' ||
    [...integration.operations.keys()].some(
      (op) => engine.providerOf(integration, op) === 'backup',
    );
  return {
    breaker: breaker.state,
    forced: breaker.forced,
    distanceToTrip: breaker.distanceToTrip,
    rateLimitHeadroom: integration.limiter.headroom(),
    enabled: integration.controls.enabled,
    provider: pinned ? 'backup' : 'automatic',
  };
}
