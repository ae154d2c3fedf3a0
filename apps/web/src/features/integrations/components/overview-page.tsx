// The overview: every integration as a tile, live, with sort, filter and search kept in the URL.
// No charting library here: the tiles draw their own SVG sparklines (a view's fan-out is on the
// Views page), so fifty tiles updating every second stay cheap (issue 6's benchmark). Each second
// only the tile list re-renders (the toolbar does not), and of the tiles only those whose health
// changed; their figures and sparklines update through their feeds (decision 028).
import type { IntegrationState } from '@switchboard/shared/integrations';
import type { MetricsResponse } from '@switchboard/shared/metrics';
import { memo, useDeferredValue, useEffect, useId, useMemo, useState } from 'react';
import { ChoiceSelect } from '../../../components/choice-select';
import { LoadError } from '../../../components/query-states';
import { TimeRangePicker, useTimeRange } from '../../../components/time-range';
import { useObservable } from '../../../lib/realtime/use-observable';
import { useSearchChoice, useSearchState } from '../../../lib/router/search-state';
import { useIntegrations, useMetrics, useOpenIncidents } from '../api/integrations-api';
import { healthLevels, healthOf, healthRank } from '../integration-health';
import { useAllSamples$ } from '../live';
import {
  emptyOverview,
  overviewLive$,
  sparklineSeconds,
  type OverviewLive,
} from '../streams/live-overview';
import { lttb } from '../streams/lttb';
import '../integrations.css';
import { IntegrationTile } from './integration-tile';
import { createVisibilityWatcher, VisibilityContext } from './visibility';

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

type Sort = (typeof sorts)[number];
type StatusFilter = (typeof statusFilters)[number];

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

  const sparks = useMemo(
    () => (range === 'live' ? undefined : historySparks(history.data)),
    [range, history.data],
  );
  const linkSearch = range === 'live' ? '' : `?range=${range}`;
  const historyNote = `${range === 'live' ? '' : `; sparklines over ${range}`}${
    history.isError ? ` (history unavailable: ${history.error.message})` : ''
  }`;

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
      <OverviewTiles
        integrations={integrations}
        incidents={incidents.data}
        sparks={sparks}
        query={query}
        status={status}
        sort={sort}
        linkSearch={linkSearch}
        historyNote={historyNote}
      />
    </section>
  );
}

/**
 * The tiles and their count: the part of the page that follows the live samples (a new render each
 * second, of this list only).
 */
const OverviewTiles = memo(function OverviewTiles({
  integrations,
  incidents,
  sparks,
  query,
  status,
  sort,
  linkSearch,
  historyNote,
}: {
  integrations: ReturnType<typeof useIntegrations>;
  incidents: ReturnType<typeof useOpenIncidents>['data'];
  sparks: Map<string, Sparks> | undefined;
  query: string;
  status: StatusFilter;
  sort: Sort;
  linkSearch: string;
  historyNote: string;
}) {
  const samples$ = useAllSamples$();
  const live$ = useMemo(() => overviewLive$(samples$), [samples$]);
  const live = useObservable(live$, emptyOverview);
  const [visibility] = useState(createVisibilityWatcher);
  useEffect(() => () => visibility?.disconnect(), [visibility]);
  // REST answers reach the tiles in a deferred (transition) render, which React splits into ~5 ms
  // slices: the list arriving after the first live second (or a refetch that changes what every
  // tile shows) re-renders all fifty tiles, one ~20 ms task when rendered at once (a long task
  // once the core is contended; decision 033). TanStack Query's updates are otherwise synchronous.
  const states = useDeferredValue(integrations.data);
  const openIncidents = useDeferredValue(incidents);

  const alerts = useMemo(() => {
    const count = new Map<string, number>();
    for (const incident of openIncidents ?? [])
      count.set(incident.integration, (count.get(incident.integration) ?? 0) + 1);
    return count;
  }, [openIncidents]);

  const rows = useMemo(
    () => tileRows(states, live.samples, query, status, sort),
    [states, live.samples, query, status, sort],
  );

  return (
    <>
      {integrations.isError && live.samples.size === 0 ? (
        <LoadError
          what="the integrations"
          error={integrations.error}
          onRetry={() => void integrations.refetch()}
        />
      ) : (integrations.isPending || states === undefined) && live.samples.size === 0 ? (
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
        <VisibilityContext.Provider value={visibility}>
          <ul className="tiles" aria-label="Integrations" data-testid="tiles">
            {rows.shown.map((row) => (
              <IntegrationTile
                key={row.name}
                name={row.name}
                state={row.state}
                feed={live.feeds.get(row.name)}
                history={sparks?.get(row.name)}
                health={row.health}
                alerts={alerts.get(row.name) ?? 0}
                search={linkSearch}
              />
            ))}
          </ul>
        </VisibilityContext.Provider>
      )}
      <p className="muted" aria-live="polite" data-testid="tiles-count">
        Showing {rows.shown.length} of {rows.total} integrations
        {historyNote}
      </p>
    </>
  );
});

/** Every integration known to REST or to the stream, judged, filtered and sorted. */
function tileRows(
  states: IntegrationState[] | undefined,
  samples: OverviewLive['samples'],
  query: string,
  status: StatusFilter,
  sort: Sort,
) {
  const byState = new Map((states ?? []).map((s) => [s.name, s]));
  const names = new Set([...byState.keys(), ...samples.keys()]);
  const needle = query.trim().toLowerCase();
  const list = [...names].map((name) => {
    const state = byState.get(name);
    const sample = samples.get(name);
    return {
      name,
      state,
      health: healthOf({ state, sample }),
      errorRate: sample && sample.calls > 0 ? sample.errors / sample.calls : 0,
      p95: sample?.latencyMs?.p95 ?? 0,
      calls: sample?.calls ?? 0,
    };
  });
  type Row = (typeof list)[number];
  const shown = list.filter(
    (row) =>
      (status === 'all' || row.health.level === status) &&
      (needle === '' ||
        row.name.includes(needle) ||
        (row.state?.capability ?? '').toLowerCase().includes(needle)),
  );
  const byName = (a: Row, b: Row) => a.name.localeCompare(b.name);
  const compare: Record<Sort, (a: Row, b: Row) => number> = {
    name: byName,
    status: (a, b) => healthRank[a.health.level] - healthRank[b.health.level] || byName(a, b),
    errors: (a, b) => b.errorRate - a.errorRate || byName(a, b),
    latency: (a, b) => b.p95 - a.p95 || byName(a, b),
    calls: (a, b) => b.calls - a.calls || byName(a, b),
  };
  return { total: list.length, shown: shown.sort(compare[sort]) };
}
