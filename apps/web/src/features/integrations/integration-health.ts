// One judgement of an integration's health from its state and latest sample, shared by the tile, the
// detail page and sorting. Shown by colour, shape and text together (colour-blind safe).
import type { IntegrationState } from '@switchboard/shared/integrations';
import type { IntegrationSample } from '@switchboard/shared/stream';

export const healthLevels = ['down', 'degraded', 'disabled', 'healthy', 'idle'] as const;
export type HealthLevel = (typeof healthLevels)[number];

export interface Health {
  level: HealthLevel;
  /** Why, in a few words: "breaker open", "62% errors", "switched to backup". */
  reason: string;
}

/** What the tile needs to know, from the live sample when there is one, else from REST. */
export interface HealthInput {
  state: IntegrationState | undefined;
  sample: IntegrationSample | undefined;
}

const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;

/**
 * @example healthOf({ state, sample }) // { level: 'down', reason: 'breaker open' }
 */
export function healthOf({ state, sample }: HealthInput): Health {
  const live = sample?.state;
  const enabled = live?.enabled ?? state?.controls.enabled ?? true;
  const breaker = live?.breaker ?? state?.breaker.state ?? 'closed';
  const forced = live ? live.forced : (state?.breaker.forced ?? null);
  const pinned =
    (live?.provider ?? state?.controls.provider) === 'backup' ||
    (state?.operations.some((op) => op.provider === 'backup') ?? false);
  if (!enabled) return { level: 'disabled', reason: 'kill switch on' };
  if (breaker === 'open')
    return { level: 'down', reason: forced === 'open' ? 'isolated by operator' : 'breaker open' };
  const calls = sample?.calls ?? 0;
  const errorRate = calls > 0 ? (sample?.errors ?? 0) / calls : 0;
  if (errorRate >= 0.5) return { level: 'down', reason: `${pct(errorRate)} errors` };
  if (breaker === 'half-open') return { level: 'degraded', reason: 'breaker half-open' };
  if (pinned) return { level: 'degraded', reason: 'switched to backup' };
  if (errorRate > 0) return { level: 'degraded', reason: `${pct(errorRate)} errors` };
  const failovers = Object.entries(sample?.providers ?? {}).some(
    ([provider, n]) => provider !== sample?.integration && n > 0,
  );
  if (failovers) return { level: 'degraded', reason: 'failing over to backup' };
  if (forced === 'closed') return { level: 'healthy', reason: 'breaker held closed' };
  if (sample && calls === 0) return { level: 'idle', reason: 'no calls this second' };
  return { level: 'healthy', reason: 'all calls succeed' };
}

/** Worst first, for sorting by status. */
export const healthRank: Record<HealthLevel, number> = {
  down: 0,
  degraded: 1,
  disabled: 2,
  healthy: 3,
  idle: 4,
};
