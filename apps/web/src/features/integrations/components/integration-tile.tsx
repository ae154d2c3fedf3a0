// One integration on the overview: health, live p95 and error-rate sparklines, calls/s, breaker and
// distance to tripping, rate-limit headroom, provider in use and alerts firing.
import type { IntegrationState } from '@switchboard/shared/integrations';
import { memo } from 'react';
import { Link } from '../../../lib/router/router';
import type { Health } from '../integration-health';
import type { TileLive } from '../streams/live-overview';
import { HealthBadge } from './health-badge';
import { Sparkline } from './sparkline';

const ms = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${Math.round(v)} ms`;
const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;

/** The provider that answered most calls in the latest second, or the one pinned by an operator. */
export function providerInUse(
  name: string,
  state: IntegrationState | undefined,
  live: TileLive | undefined,
): { provider: string; note: string | null } {
  const backup = state?.operations.find(
    (op) => op.fallback && 'integration' in op.fallback,
  )?.fallback;
  const backupName = backup && 'integration' in backup ? backup.integration : null;
  const pinned = (live?.latest.state?.provider ?? state?.controls.provider) === 'backup';
  if (pinned && backupName) return { provider: backupName, note: 'pinned by operator' };
  const providers = Object.entries(live?.latest.providers ?? {}).sort((a, b) => b[1] - a[1]);
  const [top] = providers;
  if (top && top[0] !== name) return { provider: top[0], note: 'failover' };
  return { provider: name, note: null };
}

function breakerText(state: IntegrationState | undefined, live: TileLive | undefined): string {
  const s = live?.latest.state;
  const breaker = s?.breaker ?? state?.breaker.state;
  const forced = s ? s.forced : state?.breaker.forced;
  const distance = s ? s.distanceToTrip : state?.breaker.distanceToTrip;
  if (breaker === undefined) return '—';
  if (forced === 'open') return 'open (held by operator)';
  if (forced === 'closed') return 'closed (held by operator)';
  if (breaker !== 'closed') return breaker;
  if (distance === null || distance === undefined) return 'closed';
  return `closed · ${distance} ${distance === 1 ? 'failure' : 'failures'} to trip`;
}

export const IntegrationTile = memo(function IntegrationTile({
  name,
  state,
  live,
  history,
  health,
  alerts,
  search,
}: {
  name: string;
  state: IntegrationState | undefined;
  live: TileLive | undefined;
  /** Sparkline values for a history range; when absent, the live ring buffers are drawn. */
  history: { p95: (number | null)[]; errorRate: (number | null)[] } | undefined;
  health: Health;
  alerts: number;
  /** The query string to carry into the detail page (the range). */
  search: string;
}) {
  const sample = live?.latest;
  const p95 = history?.p95 ?? live?.p95 ?? [];
  const errorRate = history?.errorRate ?? live?.errorRate ?? [];
  const headroom = sample?.state?.rateLimitHeadroom ?? state?.rateLimit.headroom;
  const { provider, note } = providerInUse(name, state, live);
  const lastErrorRate = sample && sample.calls > 0 ? sample.errors / sample.calls : null;
  return (
    <li
      className={`tile tile--${health.level}`}
      data-testid={`tile-${name}`}
      data-health={health.level}
      aria-labelledby={`tile-${name}-title`}
    >
      <div className="tile__head">
        <h2 id={`tile-${name}-title`} className="tile__title">
          <Link to={`/integrations/${name}${search}`}>{name}</Link>
        </h2>
        <HealthBadge health={health} />
      </div>
      {state?.capability && <p className="tile__capability">{state.capability}</p>}
      <dl className="tile__figures">
        <div>
          <dt>p95</dt>
          <dd data-testid="tile-p95">{ms(sample?.latencyMs?.p95)}</dd>
          <dd>
            <Sparkline values={p95} label={`${name} p95 latency`} />
          </dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd data-testid="tile-error-rate">{pct(lastErrorRate)}</dd>
          <dd>
            <Sparkline
              values={errorRate}
              label={`${name} error rate`}
              tone={lastErrorRate ? 'bad' : 'neutral'}
            />
          </dd>
        </div>
        <div>
          <dt>Calls/s</dt>
          <dd data-testid="tile-calls">{sample?.calls ?? '—'}</dd>
        </div>
        <div>
          <dt>Breaker</dt>
          <dd data-testid="tile-breaker">{breakerText(state, live)}</dd>
        </div>
        <div>
          <dt>Rate limit headroom</dt>
          <dd data-testid="tile-headroom">
            {headroom === undefined ? '—' : pct(headroom)}
            {headroom !== undefined && (
              <meter min={0} max={1} low={0.2} optimum={1} value={headroom} aria-hidden="true" />
            )}
          </dd>
        </div>
        <div>
          <dt>Provider</dt>
          <dd data-testid="tile-provider">
            {provider}
            {note && <span className="tile__note"> ({note})</span>}
          </dd>
        </div>
        <div>
          <dt>Alerts</dt>
          <dd data-testid="tile-alerts" className={alerts > 0 ? 'tile__alerts--firing' : undefined}>
            {alerts > 0 ? `▲ ${alerts} firing` : 'none'}
          </dd>
        </div>
      </dl>
    </li>
  );
});
