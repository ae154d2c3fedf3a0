// One integration on the overview: health, live p95 and error-rate sparklines, calls/s, breaker and
// distance to tripping, rate-limit headroom, provider in use and alerts firing. The tile renders when
// its REST state, health, alerts or range change; each second's new figures reach it through its feed
// (`streams/live-overview.ts`): each figure is a small leaf that re-renders only when its text
// changes, and the sparklines redraw themselves (decision 028).
import type { IntegrationState } from '@switchboard/shared/integrations';
import type { IntegrationSample } from '@switchboard/shared/stream';
import { memo, useSyncExternalStore } from 'react';
import { Link } from '../../../lib/router/router';
import type { Health } from '../integration-health';
import type { TileFeed } from '../streams/live-overview';
import { HealthBadge } from './health-badge';
import { LiveSparkline, Sparkline } from './sparkline';

const ms = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${Math.round(v)} ms`;
const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
const errorRateOf = (sample: IntegrationSample | undefined) =>
  sample && sample.calls > 0 ? sample.errors / sample.calls : null;

/** The provider that answered most calls in the latest second, or the one pinned by an operator. */
export function providerInUse(
  name: string,
  state: IntegrationState | undefined,
  sample: IntegrationSample | undefined,
): { provider: string; note: string | null } {
  const backup = state?.operations.find(
    (op) => op.fallback && 'integration' in op.fallback,
  )?.fallback;
  const backupName = backup && 'integration' in backup ? backup.integration : null;
  const pinned = (sample?.state?.provider ?? state?.controls.provider) === 'backup';
  if (pinned && backupName) return { provider: backupName, note: 'pinned by operator' };
  const providers = Object.entries(sample?.providers ?? {}).sort((a, b) => b[1] - a[1]);
  const [top] = providers;
  if (top && top[0] !== name) return { provider: top[0], note: 'failover' };
  return { provider: name, note: null };
}

function breakerText(
  state: IntegrationState | undefined,
  sample: IntegrationSample | undefined,
): string {
  const s = sample?.state;
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

const noFeed = () => () => undefined;

/**
 * The text `select` makes of the feed's latest sample; re-renders its component only when that text
 * changes (a string compares by value).
 */
function useLiveText(
  feed: TileFeed | undefined,
  select: (sample: IntegrationSample | undefined) => string,
): string {
  return useSyncExternalStore(feed?.subscribe ?? noFeed, () => select(feed?.latest()));
}

function LiveText({
  feed,
  select,
}: {
  feed: TileFeed | undefined;
  select: (sample: IntegrationSample | undefined) => string;
}) {
  return useLiveText(feed, select);
}

const p95Text = (s: IntegrationSample | undefined) => ms(s?.latencyMs?.p95);
const errorRateText = (s: IntegrationSample | undefined) => pct(errorRateOf(s));
const callsText = (s: IntegrationSample | undefined) => String(s?.calls ?? '—');

function Headroom({
  feed,
  state,
}: {
  feed: TileFeed | undefined;
  state: IntegrationState | undefined;
}) {
  const value = useLiveText(feed, (s) =>
    String(s?.state?.rateLimitHeadroom ?? state?.rateLimit.headroom ?? ''),
  );
  if (value === '') return '—';
  const headroom = Number(value);
  return (
    <>
      {pct(headroom)}
      <meter min={0} max={1} low={0.2} optimum={1} value={headroom} aria-hidden="true" />
    </>
  );
}

function Provider({
  name,
  feed,
  state,
}: {
  name: string;
  feed: TileFeed | undefined;
  state: IntegrationState | undefined;
}) {
  // The two parts as one string, so the leaf re-renders only when either changes.
  const text = useLiveText(feed, (s) => {
    const { provider, note } = providerInUse(name, state, s);
    return note === null ? provider : `${provider}\n${note}`;
  });
  const [provider, note] = text.split('\n');
  return (
    <>
      {provider}
      {note && <span className="tile__note"> ({note})</span>}
    </>
  );
}

/**
 * The REST fields a tile shows (or falls back to before the first sample), by value: a refetch every
 * few seconds brings new objects whose counters changed, which the tile does not show.
 */
const sameShownState = (a: IntegrationState | undefined, b: IntegrationState | undefined) =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.capability === b.capability &&
    a.operations === b.operations &&
    a.controls.provider === b.controls.provider &&
    a.breaker.state === b.breaker.state &&
    a.breaker.forced === b.breaker.forced &&
    a.breaker.distanceToTrip === b.breaker.distanceToTrip &&
    a.rateLimit.headroom === b.rateLimit.headroom);

/** Same health by value: the page judges it afresh every second, mostly to the same verdict. */
const sameTile = (a: TileProps, b: TileProps) =>
  a.name === b.name &&
  sameShownState(a.state, b.state) &&
  a.feed === b.feed &&
  a.history === b.history &&
  a.health.level === b.health.level &&
  a.health.reason === b.health.reason &&
  a.alerts === b.alerts &&
  a.search === b.search;

interface TileProps {
  name: string;
  state: IntegrationState | undefined;
  /** The integration's live figures; undefined until its first sample. */
  feed: TileFeed | undefined;
  /** Sparkline values for a history range; when absent, the live ring buffers are drawn. */
  history: { p95: (number | null)[]; errorRate: (number | null)[] } | undefined;
  health: Health;
  alerts: number;
  /** The query string to carry into the detail page (the range). */
  search: string;
}

export const IntegrationTile = memo(function IntegrationTile({
  name,
  state,
  feed,
  history,
  health,
  alerts,
  search,
}: TileProps) {
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
      {/* The line is kept (blank) until the REST list says the capability: the list arriving after
          the first live second then fills in text instead of growing fifty tiles and relaying out
          the grid (a layout shift, and a whole-page layout and paint in one frame). */}
      <p className="tile__capability" aria-hidden={state?.capability ? undefined : true}>
        {state?.capability || '\u00a0'}
      </p>
      <dl className="tile__figures">
        <div>
          <dt>p95</dt>
          <dd data-testid="tile-p95" className="tile__live">
            <LiveText feed={feed} select={p95Text} />
          </dd>
          <dd className="tile__spark">
            {history ? (
              <Sparkline values={history.p95} label={`${name} p95 latency`} />
            ) : (
              <LiveSparkline feed={feed} series="p95" label={`${name} p95 latency`} />
            )}
          </dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd data-testid="tile-error-rate" className="tile__live">
            <LiveText feed={feed} select={errorRateText} />
          </dd>
          <dd className="tile__spark">
            {history ? (
              <Sparkline
                values={history.errorRate}
                label={`${name} error rate`}
                tone={(history.errorRate.at(-1) ?? 0) > 0 ? 'bad' : 'neutral'}
              />
            ) : (
              <LiveSparkline feed={feed} series="errorRate" label={`${name} error rate`} alarming />
            )}
          </dd>
        </div>
        <div>
          <dt>Calls/s</dt>
          <dd data-testid="tile-calls" className="tile__live">
            <LiveText feed={feed} select={callsText} />
          </dd>
        </div>
        <div>
          <dt>Breaker</dt>
          <dd data-testid="tile-breaker">
            <LiveText feed={feed} select={(s) => breakerText(state, s)} />
          </dd>
        </div>
        <div>
          <dt>Rate limit headroom</dt>
          <dd data-testid="tile-headroom" className="tile__live">
            <Headroom feed={feed} state={state} />
          </dd>
        </div>
        <div>
          <dt>Provider</dt>
          <dd data-testid="tile-provider">
            <Provider name={name} feed={feed} state={state} />
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
}, sameTile);
