// Live series for the overview: a bounded window of per-integration samples, derived from the stream.
import type { IntegrationSample, SequencedMessage } from '@switchboard/shared/stream';
import { filter, scan, type Observable } from 'rxjs';
import { liveSeriesCapacity } from '../../../lib/perf-flags';

/** One chart point: the window start, and each integration's p50 latency (null when idle). */
export type LatencyPoint = { at: number } & Record<string, number | null>;

export interface LiveSeries {
  points: LatencyPoint[];
  latest: Map<string, IntegrationSample>;
}

export const emptySeries: LiveSeries = { points: [], latest: new Map() };

/**
 * Folds sample messages into at most `capacity` points (a ring: the oldest falls off), so the chart
 * never grows without bound however long the page stays open.
 */
export function liveSeries(
  messages$: Observable<SequencedMessage>,
  capacity = liveSeriesCapacity(60),
): Observable<LiveSeries> {
  return messages$.pipe(
    filter((m) => m.type === 'integrations.sample'),
    scan((series: LiveSeries, message) => {
      const point: LatencyPoint = { at: message.at };
      const latest = new Map<string, IntegrationSample>();
      for (const sample of message.samples) {
        point[sample.integration] = sample.latencyMs?.p50 ?? null;
        latest.set(sample.integration, sample);
      }
      const points =
        series.points.length >= capacity
          ? series.points.slice(1 - capacity)
          : series.points.slice();
      points.push(point);
      return { points, latest };
    }, emptySeries),
  );
}
