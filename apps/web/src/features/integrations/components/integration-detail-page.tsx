// One integration on one screen: live (or historical) charts, the breaker timeline, recent calls,
// effective policies and the operator controls. Path `/integrations/<name>`; query `range`, and
// `at` (epoch ms) to mark a moment, as incident links do.
import { lazy, Suspense, useEffect, useMemo } from 'react';
import { LoadError } from '../../../components/query-states';
import { Time } from '../../../components/time';
import { TimeRangePicker, useTimeRange } from '../../../components/time-range';
import { useObservable } from '../../../lib/realtime/use-observable';
import { Link, matchPath, useLocation, useSearchParams } from '../../../lib/router/router';
import { useIntegration, useMetrics } from '../api/integrations-api';
import { healthOf } from '../integration-health';
import { useIntegrationSamples$ } from '../live';
import {
  breakerSegments,
  liveDetail$,
  pointsFromHistory,
  type DetailPoint,
} from '../streams/live-detail';
import '../integrations.css';
import { BreakerTimeline } from './breaker-timeline';
import { LiveCharts } from './live-charts';
import { HealthBadge } from './health-badge';
import { OperatorControls } from './operator-controls';
import { PoliciesPanel } from './policies-panel';
import { RecentCalls } from './recent-calls';

export const integrationPath = '/integrations/:name';
// recharts (≈ 107 KB gzip) only for the history ranges: the live range draws plain SVG.
const HistoryCharts = lazy(() =>
  import('./detail-charts').then((m) => ({ default: m.HistoryCharts })),
);
const noPoints: DetailPoint[] = [];

export function IntegrationDetailPage() {
  const { pathname } = useLocation();
  const name = matchPath(integrationPath, pathname)?.name ?? '';
  // Keyed by name: going from one integration to another starts its live series afresh.
  return <IntegrationDetail key={name} name={name} />;
}

function IntegrationDetail({ name }: { name: string }) {
  const [range] = useTimeRange();
  const params = useSearchParams();
  const atParam = Number(params.get('at'));
  const at = Number.isFinite(atParam) && atParam > 0 ? atParam : null;
  const integration = useIntegration(name);
  const samples$ = useIntegrationSamples$(name);
  const live$ = useMemo(() => liveDetail$(samples$), [samples$]);
  const livePoints = useObservable(live$, noPoints);
  const history = useMetrics(range === 'live' ? '15m' : range, name, range !== 'live');
  const points = useMemo(
    () =>
      range === 'live'
        ? livePoints
        : history.data
          ? pointsFromHistory(
              history.data.series.find((s) => s.operation === null)?.points ?? [],
              history.data.stepSec,
            )
          : noPoints,
    [range, livePoints, history.data],
  );
  const stepMs = range === 'live' ? 1000 : (history.data?.stepSec ?? 1) * 1000;
  const segments = useMemo(() => breakerSegments(points, stepMs), [points, stepMs]);
  const latest = livePoints.at(-1);

  // Someone else's change shows within a second in the stream; refetch so the controls match it.
  const { data, refetch } = integration;
  const liveState = useLatestState(samples$);
  useEffect(() => {
    if (!data || !liveState) return;
    const differs =
      liveState.enabled !== data.controls.enabled ||
      liveState.forced !== data.breaker.forced ||
      liveState.breaker !== data.breaker.state;
    if (differs) void refetch();
  }, [liveState, data, refetch]);

  const back = range === 'live' ? '/' : `/?range=${range}`;
  if (integration.isError)
    return (
      <section aria-labelledby="detail-title">
        <p>
          <Link to={back}>← Overview</Link>
        </p>
        <h1 id="detail-title">{name}</h1>
        <LoadError
          what={`the integration ${name}`}
          error={integration.error}
          onRetry={() => void integration.refetch()}
        />
      </section>
    );

  const state = integration.data;
  const health = healthOf({
    state,
    sample: latest && {
      integration: name,
      calls: latest.throughput,
      errors: latest.errors,
      latencyMs: null,
      ...(liveState && { state: liveState }),
    },
  });

  return (
    <section aria-labelledby="detail-title" className="integration-detail">
      <p>
        <Link to={back}>← Overview</Link>
      </p>
      <div className="page-head">
        <h1 id="detail-title">
          {name} {state && <HealthBadge health={health} />}
        </h1>
        <TimeRangePicker />
      </div>
      {at !== null && (
        <p className="moment" data-testid="marked-moment">
          Marked moment: <Time at={at} /> (dashed line on the charts)
        </p>
      )}
      {!state ? (
        <div aria-busy="true" aria-label="Loading the integration">
          <p className="placeholder">Loading {name}…</p>
          <div className="detail-grid">
            {[0, 1, 2, 3].map((i) => (
              <div key={i} className="tile tile--skeleton" />
            ))}
          </div>
        </div>
      ) : (
        <>
          <OperatorControls integration={state} />
          <dl className="tile__figures" data-testid="detail-state">
            <div>
              <dt>Breaker</dt>
              <dd data-testid="detail-breaker">
                {state.breaker.state}
                {state.breaker.forced ? ` (held ${state.breaker.forced} by operator)` : ''}
                {state.breaker.distanceToTrip !== null && state.breaker.state === 'closed'
                  ? ` · ${state.breaker.distanceToTrip} to trip`
                  : ''}
              </dd>
            </div>
            <div>
              <dt>Kill switch</dt>
              <dd data-testid="detail-enabled">
                {state.controls.enabled ? 'off (enabled)' : 'ON (disabled)'}
              </dd>
            </div>
            <div>
              <dt>Provider</dt>
              <dd data-testid="detail-provider">{state.controls.provider}</dd>
            </div>
            <div>
              <dt>Bulkhead</dt>
              <dd>
                {state.bulkhead.active}/{state.bulkhead.maxConcurrent} active,{' '}
                {state.bulkhead.queued}/{state.bulkhead.maxQueue} queued
              </dd>
            </div>
            <div>
              <dt>Rate limit</dt>
              <dd>
                {Math.round(state.rateLimit.headroom * 100)}% headroom of{' '}
                {state.rateLimit.perSecond}/s
              </dd>
            </div>
            <div>
              <dt>Retry budget</dt>
              <dd>
                {state.retryBudget.retries} retries / {state.retryBudget.calls} calls (allowed{' '}
                {state.retryBudget.allowed})
              </dd>
            </div>
          </dl>
        </>
      )}
      <h2>Charts</h2>
      {range !== 'live' && history.isError ? (
        <LoadError
          what="the history"
          error={history.error}
          onRetry={() => void history.refetch()}
        />
      ) : points.length === 0 ? (
        <p className="placeholder" data-testid="charts-empty" aria-busy={range !== 'live'}>
          {range === 'live'
            ? 'Waiting for the first live second…'
            : history.isPending
              ? 'Loading the history…'
              : 'No data in this period.'}
        </p>
      ) : null}
      <div className="detail-grid">
        {range === 'live' ? (
          <LiveCharts points={points} at={at} />
        ) : (
          <Suspense fallback={<p className="placeholder">Loading the charts…</p>}>
            <HistoryCharts points={points} at={at} />
          </Suspense>
        )}
      </div>
      <BreakerTimeline segments={segments} />
      <RecentCalls name={name} />
      {state && <PoliciesPanel policies={state.policies} />}
    </section>
  );
}

/** The live state carried by the integration's latest sample (breaker, switches). */
function useLatestState(samples$: ReturnType<typeof useIntegrationSamples$>) {
  return useObservable(samples$, null)?.sample.state;
}
