// Series for the detail page's charts: live (folded from the integration's per-second samples into a
// bounded ring, handed on once per animation frame) and history (metrics points, thinned with LTTB).
import type { BreakerState } from '@switchboard/shared/events';
import type { MetricsPoint } from '@switchboard/shared/metrics';
import type { IntegrationSampleMessage } from '@switchboard/shared/stream';
import { ErrorKindSchema, type ErrorKind } from '@switchboard/shared/upstreams';
import { map, Observable } from 'rxjs';
import { latestPerFrame, type FrameScheduler } from './frame-batch';
import { lttb } from './lttb';
import { RingBuffer } from './ring-buffer';
import { liveSeriesCapacity } from '../../../lib/perf-flags';

export const errorKinds: readonly ErrorKind[] = ErrorKindSchema.options;

/** One chart point; errors by kind are flat fields (`kind_timeout`) so charts can stack them. */
export type DetailPoint = {
  at: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Calls per second. */
  throughput: number;
  errors: number;
  retries: number;
  cacheHits: number;
  breaker: BreakerState | null;
} & Partial<Record<`kind_${ErrorKind}`, number>>;

/** Five minutes of seconds: enough to see a trip and a recovery, small enough to redraw each second. */
export const liveDetailSeconds = 300;
/** History charts draw at most this many points, whatever the range. */
export const historyPoints = 300;

export function pointFromSample(message: IntegrationSampleMessage): DetailPoint {
  const s = message.sample;
  const point: DetailPoint = {
    at: message.at,
    p50: s.latencyMs?.p50 ?? null,
    p95: s.latencyMs?.p95 ?? null,
    p99: s.latencyMs?.p99 ?? s.latencyMs?.max ?? null,
    throughput: s.calls,
    errors: s.errors,
    retries: s.retries ?? 0,
    cacheHits: s.cacheHits ?? 0,
    breaker: s.state?.breaker ?? null,
  };
  for (const [kind, n] of Object.entries(s.errorsByKind ?? {}))
    point[`kind_${kind as ErrorKind}`] = n;
  return point;
}

/**
 * @example useObservable(useMemo(() => liveDetail$(samples$), [samples$]), [])
 */
export function liveDetail$(
  samples$: Observable<IntegrationSampleMessage>,
  options: { capacity?: number; frames?: FrameScheduler } = {},
): Observable<DetailPoint[]> {
  return new Observable<DetailPoint[]>((subscriber) => {
    const ring = new RingBuffer<DetailPoint>(
      options.capacity ?? liveSeriesCapacity(liveDetailSeconds),
    );
    return samples$
      .pipe(
        map((message) => {
          // A snapshot replayed on resubscribe may repeat the newest second: keep one per second.
          if ((ring.last()?.at ?? -Infinity) >= message.at) return undefined;
          ring.push(pointFromSample(message));
          return ring.toArray();
        }),
        latestPerFrame<DetailPoint[] | undefined>(options.frames),
      )
      .subscribe({
        next: (points) => points && subscriber.next(points),
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
  });
}

/** History points as chart points, thinned to at most `max` by their p95 shape. */
export function pointsFromHistory(
  points: readonly MetricsPoint[],
  stepSec: number,
  max = historyPoints,
): DetailPoint[] {
  return lttb(
    points,
    max,
    (p) => p.at,
    (p) => p.p95Ms,
  ).map((p) => {
    const point: DetailPoint = {
      at: p.at,
      p50: p.p50Ms,
      p95: p.p95Ms,
      p99: p.p99Ms,
      throughput: p.throughput,
      errors: Object.values(p.errorsByKind).reduce((a, b) => a + (b ?? 0), 0) / stepSec,
      retries: p.retries / stepSec,
      cacheHits: ((p.cacheHitRatio ?? 0) * p.calls) / stepSec,
      breaker: p.breaker,
    };
    // Per second, like the live series, so the two read the same.
    for (const [kind, n] of Object.entries(p.errorsByKind))
      point[`kind_${kind as ErrorKind}`] = (n ?? 0) / stepSec;
    return point;
  });
}

export interface BreakerSegment {
  state: BreakerState;
  from: number;
  to: number;
}

/** Runs of one breaker state, for the timeline; points without a known state are skipped. */
export function breakerSegments(points: readonly DetailPoint[], stepMs: number): BreakerSegment[] {
  const out: BreakerSegment[] = [];
  for (const p of points) {
    if (p.breaker === null) continue;
    const last = out.at(-1);
    if (last && last.state === p.breaker) last.to = p.at + stepMs;
    else out.push({ state: p.breaker, from: p.at, to: p.at + stepMs });
  }
  return out;
}
