// The overview: live status of every upstream and a live latency chart.
import { useMemo } from 'react';
import { useLiveStream } from '../../../lib/realtime/realtime-context';
import { useObservable } from '../../../lib/realtime/use-observable';
import { useOverview } from '../api/get-overview';
import { emptySeries, liveSeries } from '../streams/latency-series';
import { LatencyChart } from './latency-chart';
import { OverviewTable } from './overview-table';

export function OverviewPage() {
  const overview = useOverview();
  const stream = useLiveStream();
  // Only the all-integrations topic: the connection does not carry per-integration messages for it.
  const series$ = useMemo(() => liveSeries(stream.topic$('integrations')), [stream]);
  const series = useObservable(series$, emptySeries);
  const integrations = useMemo(() => [...series.latest.keys()], [series.latest]);

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {overview.isPending ? (
        <p className="placeholder" aria-busy="true">
          Loading the overview…
        </p>
      ) : overview.isError ? (
        <div className="error-state" role="alert">
          <p>Could not load the overview: {overview.error.message}</p>
          <button type="button" onClick={() => void overview.refetch()}>
            Retry
          </button>
        </div>
      ) : (
        <OverviewTable view={overview.data} latest={series.latest} />
      )}
      <LatencyChart points={series.points} integrations={integrations} />
    </section>
  );
}
