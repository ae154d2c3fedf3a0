// Queue: depth (queued and running), throughput (finished per second between polls) and dead
// letters per job type, and each worker's concurrency.
import { jobStatuses, type QueueStats } from './queue-stats-view';
import { useEffect, useRef, useState } from 'react';
import { Empty, LoadError } from '../../../components/query-states';
import { Skeleton } from '../../../components/skeleton';
import { Link } from '../../../lib/router/router';
import { useQueueStats } from '../api/get-queue-stats';
import { throughput } from './throughput';

/** Keeps the previous poll, so each new one gives a rate. */
function useThroughput(stats: QueueStats | undefined, updatedAt: number) {
  const previous = useRef<{ at: number; stats: QueueStats } | null>(null);
  const [rates, setRates] = useState<Map<string, number | null>>(new Map());
  useEffect(() => {
    if (!stats) return;
    const sample = { at: updatedAt, stats };
    setRates(throughput(previous.current, sample));
    previous.current = sample;
  }, [stats, updatedAt]);
  return rates;
}

const sum = (stats: QueueStats, status: (typeof jobStatuses)[number]) =>
  Object.values(stats.byType).reduce((n, counts) => n + (counts[status] ?? 0), 0);

export function QueuePage() {
  const stats = useQueueStats();
  const rates = useThroughput(stats.data, stats.dataUpdatedAt);
  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title">Queue</h1>
      {/* Flow runs (GET /api/flows/runs) get their own page and nav entry when that API lands. */}
      {stats.isPending ? (
        <Skeleton label="Loading queue statistics…" rows={4} />
      ) : stats.isError ? (
        <LoadError
          what="queue statistics"
          error={stats.error}
          onRetry={() => void stats.refetch()}
        />
      ) : (
        <QueueStatsView stats={stats.data} rates={rates} />
      )}
    </section>
  );
}

function QueueStatsView({
  stats,
  rates,
}: {
  stats: QueueStats;
  rates: Map<string, number | null>;
}) {
  const types = Object.keys(stats.byType).sort();
  const dead = sum(stats, 'dead');
  const total = [...rates.values()].reduce<number | null>(
    (n, r) => (r === null ? n : (n ?? 0) + r),
    null,
  );
  return (
    <>
      <dl className="stat-grid" data-testid="queue-totals">
        <div className="stat">
          <dt>Queued</dt>
          <dd data-testid="queue-depth">{sum(stats, 'queued')}</dd>
        </div>
        <div className="stat">
          <dt>Running</dt>
          <dd>{sum(stats, 'running')}</dd>
        </div>
        <div className="stat">
          <dt>Finished per second</dt>
          <dd>{total === null ? '—' : total}</dd>
        </div>
        <div className="stat">
          <dt>Dead letters</dt>
          <dd data-testid="queue-dead">{dead > 0 ? <Link to="/dead-letters">{dead}</Link> : 0}</dd>
        </div>
      </dl>
      {stats.draining && <p className="form-error">Draining: no new jobs are being claimed.</p>}
      <h2>By job type</h2>
      {types.length === 0 ? (
        <Empty>No jobs yet.</Empty>
      ) : (
        <table className="data-table" data-testid="queue-types">
          <thead>
            <tr>
              <th scope="col">Job type</th>
              {jobStatuses.map((status) => (
                <th scope="col" key={status}>
                  {status[0]?.toUpperCase()}
                  {status.slice(1)}
                </th>
              ))}
              <th scope="col">Finished/s</th>
            </tr>
          </thead>
          <tbody>
            {types.map((type) => (
              <tr key={type} data-testid={`queue-type-${type}`}>
                <th scope="row" className="mono">
                  {type}
                </th>
                {jobStatuses.map((status) => (
                  <td key={status}>{stats.byType[type]?.[status] ?? 0}</td>
                ))}
                <td>{rates.get(type) ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Workers</h2>
      {Object.keys(stats.workers).length === 0 ? (
        <Empty>No workers are registered.</Empty>
      ) : (
        <table className="data-table" data-testid="queue-workers">
          <thead>
            <tr>
              <th scope="col">Job type</th>
              <th scope="col">In flight</th>
              <th scope="col">Concurrency</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(stats.workers)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([type, worker]) => (
                <tr key={type}>
                  <th scope="row" className="mono">
                    {type}
                  </th>
                  <td>{worker.inFlight}</td>
                  <td>{worker.concurrency}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </>
  );
}
