// Live figures for the overview tiles, folded from the per-second samples: the latest sample and
// bounded p95 / error-rate series per integration, handed on at most once per animation frame.
import type { IntegrationSample, SampleMessage } from '@switchboard/shared/stream';
import { map, Observable } from 'rxjs';
import { latestPerFrame, type FrameScheduler } from './frame-batch';
import { RingBuffer } from './ring-buffer';
import { liveSeriesCapacity } from '../../../lib/perf-flags';

export interface TileLive {
  latest: IntegrationSample;
  /** Oldest first, one per second; null for seconds without calls. */
  p95: (number | null)[];
  errorRate: (number | null)[];
}

export type OverviewLive = ReadonlyMap<string, TileLive>;

export const emptyOverview: OverviewLive = new Map();

/** Seconds of history a tile's sparklines keep. */
export const sparklineSeconds = 60;

/**
 * @example const live$ = overviewLive$(samples$); useObservable(live$, emptyOverview);
 */
export function overviewLive$(
  samples$: Observable<SampleMessage>,
  options: { capacity?: number; frames?: FrameScheduler } = {},
): Observable<OverviewLive> {
  const capacity = options.capacity ?? liveSeriesCapacity(sparklineSeconds);
  return new Observable<OverviewLive>((subscriber) => {
    // Per subscription, so two pages never share (or double-fill) the buffers.
    const buffers = new Map<
      string,
      { p95: RingBuffer<number | null>; errorRate: RingBuffer<number | null> }
    >();
    return samples$
      .pipe(
        map((message) => {
          const next = new Map<string, TileLive>();
          for (const sample of message.samples) {
            let b = buffers.get(sample.integration);
            if (!b) {
              b = { p95: new RingBuffer(capacity), errorRate: new RingBuffer(capacity) };
              buffers.set(sample.integration, b);
            }
            b.p95.push(sample.latencyMs?.p95 ?? null);
            b.errorRate.push(sample.calls > 0 ? sample.errors / sample.calls : null);
            next.set(sample.integration, {
              latest: sample,
              p95: b.p95.toArray(),
              errorRate: b.errorRate.toArray(),
            });
          }
          return next;
        }),
        latestPerFrame(options.frames),
      )
      .subscribe(subscriber);
  });
}
