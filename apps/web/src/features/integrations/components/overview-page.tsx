// The overview: every integration as a tile, live, with sort, filter and search kept in the URL.
// No charting library here: the tiles draw their own SVG sparklines (a view's fan-out is on the
// Views page), so fifty tiles updating every second stay cheap (issue 6's benchmark).
import type { MetricsResponse } from '@switchboard/shared/metrics';
import { useDeferredValue, useId, useMemo } from 'react';
import { ChoiceSelect } from '../../../components/choice-select';
import { LoadError } from '../../../components/query-states';
import { TimeRangePicker, useTimeRange } from '../../../components/time-range';
import { useObservable } from '../../../lib/realtime/use-observable';
import { useSearchChoice, useSearchState } from '../../../lib/router/search-state';
import { useIntegrations, useMetrics, useOpenIncidents } from '../api/integrations-api';
import { healthLevels, healthOf, healthRank } from '../integration-health';
import { useAllSamples$ } from '../live';
import { emptyOverview, overviewLive$, sparklineSeconds } from '../streams/live-overview';
import { lttb } from '../streams/lttb';
import '../integrations.css';
import { IntegrationTile } from './integration-tile';

const sorts = ['name', 'status', 'errors', 'latency', 'calls'] as const;
const sortLabels: Record<(typeof sorts)[number], string> = {
  name: 'Name',
  status: 'Status (worst first)',
  errors: 'Error rate (highest first)',
  latency: 'p95 latency (slowest first)',
  calls: 'Calls/s (busiest first)',
};
const statusFilters = ['all', ...healthLevels] as const;

type Sparks = { p95: (number | null)[]; errorRate: (number | null)[] };

/** History series per integration, thinned to the sparkline's width. */
function historySparks(history: MetricsResponse | undefined): Map<string, Sparks> {
  const out = new Map<string, Sparks>();
  for (const series of history?.series ?? []) {
    if (series.operation !== null) continue;
    const p95 = lttb(
      series.points,
      sparklineSeconds,
      (p) => p.at,
      (p) => p.p95Ms,
    );
    const errors = lttb(
      series.points,
      sparklineSeconds,
      (p) => p.at,
      (p) => p.errorRate,
    );
    out.set(series.integration, {
      p95: p95.map((p) => p.p95Ms),
      errorRate: errors.map((p) => p.errorRate),
    });
  }
  return out;
}

export function OverviewPage() {
  const [range] = useTimeRange();
  const [params, setParams] = useSearchState();
  const [sort, setSort] = useSearchChoice('sort', sorts, 'name');
  const [status, setStatus] = useSearchChoice('status', statusFilters, 'all');
  const query = params.get('q') ?? '';
  const searchId = useId();

  const integrations = useIntegrations();
  const incidents = useOpenIncidents();
  const history = useMetrics(range === 'live' ? '15m' : range, null, range !== 'live');
  const samples$ = useAllSamples$();
  const live$ = useMemo(() => overviewLive$(samples$), [samples$]);
  const latestLive = useObservable(live$, emptyOverview);
  // The second's new figures re-render every tile: as a deferred (transition) render React splits
  // that work into slices between which the browser keeps responding, instead of one long task.
  // The urgent render this leaves is the page alone: the tiles' props have not changed yet.
  const live = useDeferredValue(latestLive);

  const sparks = useMemo(
    () => (range === 'live' ? undefined : historySparks(history.data)),
    [range, history.data],
  );
  const alerts = useMemo(() => {
    const count = new Map<string, number>();
    for (const incident of incidents.data ?? [])
      count.set(incident.integration, (count.get(incident.integration) ?? 0) + 1);
    return count;
  }, [incidents.data]);

  const rows = useMemo(() => {
    const states = new Map((integrations.data ?? []).map((s) => [s.name, s]));
    const names = new Set([...states.keys(), ...live.keys()]);
    const needle = query.trim().toLowerCase();
    const list = [...names].map((name) => {
      const state = states.get(name);
      const tile = live.get(name);
      const sample = tile?.latest;
      return {
        name,
        state,
        live: tile,
        health: healthOf({ state, sample }),
        errorRate: sample && sample.calls > 0 ? sample.errors / sample.calls : 0,
        p95: sample?.latencyMs?.p95 ?? 0,
        calls: sample?.calls ?? 0,
      };
    });
    const shown = list.filter(
      (row) =>
        (status === 'all' || row.health.level === status) &&
        (needle === '' ||
          row.name.includes(needle) ||
          (row.state?.capability ?? '').toLowerCase().includes(needle)),
    );
    const byName = (a: (typeof list)[number], b: (typeof list)[number]) =>
      a.name.localeCompare(b.name);
    const compare: Record<
      (typeof sorts)[number],
      (a: (typeof list)[number], b: typeof a) => number
    > = {
      name: byName,
      status: (a, b) => healthRank[a.health.level] - healthRank[b.health.level] || byName(a, b),
      errors: (a, b) => b.errorRate - a.errorRate || byName(a, b),
      latency: (a, b) => b.p95 - a.p95 || byName(a, b),
      calls: (a, b) => b.calls - a.calls || byName(a, b),
    };
    return { total: list.length, shown: shown.sort(compare[sort]) };
  }, [integrations.data, live, query, status, sort]);

  const linkSearch = range === 'live' ? '' : `?range=${range}`;

  return (
    <section aria-labelledby="overview-title" className="integrations-overview">
      <div className="page-head">
        <h1 id="overview-title">Overview</h1>
        <TimeRangePicker />
      </div>
      <div className="toolbar" role="search">
        <label htmlFor={searchId}>Search</label>
        <input
          id={searchId}
          type="search"
          value={query}
          placeholder="Name or capability"
          onChange={(event) => setParams({ q: event.target.value }, { replace: true })}
        />
        <ChoiceSelect
          label="Status"
          choices={statusFilters}
          value={status}
          onChange={setStatus}
          labelOf={(s) => (s === 'all' ? 'All' : s[0]?.toUpperCase() + s.slice(1))}
        />
        <ChoiceSelect
          label="Sort by"
          choices={sorts}
          value={sort}
          onChange={setSort}
          labelOf={(s) => sortLabels[s]}
        />
      </div>
      {integrations.isError && live.size === 0 ? (
        <LoadError
          what="the integrations"
          error={integrations.error}
          onRetry={() => void integrations.refetch()}
        />
      ) : integrations.isPending && live.size === 0 ? (
        <ul className="tiles" aria-busy="true" aria-label="Loading integrations">
          {Array.from({ length: 6 }, (_, i) => (
            <li key={i} className="tile tile--skeleton" />
          ))}
        </ul>
      ) : rows.shown.length === 0 ? (
        <p className="placeholder" data-testid="tiles-empty">
          {rows.total === 0
            ? 'No integrations are declared.'
            : 'No integration matches the search and filter.'}
        </p>
      ) : (
        <ul className="tiles" aria-label="Integrations" data-testid="tiles">
          {rows.shown.map((row) => (
            <IntegrationTile
              key={row.name}
              name={row.name}
              state={row.state}
              live={row.live}
              history={sparks?.get(row.name)}
              health={row.health}
              alerts={alerts.get(row.name) ?? 0}
              search={linkSearch}
            />
          ))}
        </ul>
      )}
      <p className="muted" aria-live="polite" data-testid="tiles-count">
        Showing {rows.shown.length} of {rows.total} integrations
        {range === 'live' ? '' : `; sparklines over ${range}`}
        {history.isError ? ` (history unavailable: ${history.error.message})` : ''}
      </p>
    </section>
  );
}
