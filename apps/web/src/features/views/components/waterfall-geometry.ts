// Where each source of a view run sits on a shared time axis, as percentages of the axis, with the
// whole-view deadline on the same scale. Pure, so it is tested without a DOM.
import type { CacheResult, SourceStatus, ViewResult } from '@switchboard/shared/upstreams';

export interface WaterfallRow {
  id: string;
  integration: string;
  operation: string;
  status: SourceStatus;
  startMs: number;
  durationMs: number;
  endMs: number;
  /** Left edge and width, in % of the axis. */
  leftPct: number;
  widthPct: number;
  cache: CacheResult;
  attempts: number;
  /** The integration that answered. */
  provider: string;
  /** A backup provider answered instead of the source's own integration. */
  failover: boolean;
  /** Cached data stood in (stale-if-error or stale-while-revalidate). */
  stale: boolean;
  /** The source ended after the whole-view deadline. */
  pastDeadline: boolean;
  errorMessage: string | undefined;
}

export interface WaterfallGeometry {
  /** The length of the axis in ms: at least the deadline and the last source's end. */
  scaleMs: number;
  deadlineMs: number;
  deadlinePct: number;
  totalMs: number;
  ticks: { ms: number; pct: number }[];
  rows: WaterfallRow[];
}

/** Bars never thinner than this (%), so a 0 ms source (a cache hit, a skip) still shows. */
export const minBarPct = 0.75;

/** The smallest 1, 2 or 5 × 10^k step that cuts `span` into at most `maxTicks` parts. */
export function tickStep(span: number, maxTicks = 5): number {
  if (span <= 0) return 1;
  const rough = span / maxTicks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  for (const factor of [1, 2, 5, 10]) {
    const step = factor * magnitude;
    if (step >= rough) return step;
  }
  return 10 * magnitude;
}

const pct = (ms: number, scale: number) => Math.round((ms / scale) * 100_000) / 1000;

/**
 * @example const g = waterfallGeometry(result); g.rows[0].leftPct // 0
 */
export function waterfallGeometry(result: ViewResult): WaterfallGeometry {
  const entries = Object.entries(result.sources);
  const lastEnd = entries.reduce((max, [, s]) => Math.max(max, s.startedAtMs + s.latencyMs), 0);
  const longest = Math.max(result.deadlineMs, lastEnd, result.latencyMs, 1);
  const step = tickStep(longest);
  // Round the axis up to a whole tick, so the last label sits at the right edge.
  const scaleMs = Math.ceil(longest / step) * step;
  const ticks: { ms: number; pct: number }[] = [];
  for (let ms = 0; ms <= scaleMs; ms += step) ticks.push({ ms, pct: pct(ms, scaleMs) });

  const rows = entries
    .map(([id, s], index) => {
      const leftPct = pct(s.startedAtMs, scaleMs);
      const width = Math.max(pct(s.latencyMs, scaleMs), minBarPct);
      const row: WaterfallRow = {
        id,
        integration: s.integration,
        operation: s.operation,
        status: s.status,
        startMs: s.startedAtMs,
        durationMs: s.latencyMs,
        endMs: s.startedAtMs + s.latencyMs,
        leftPct,
        // Kept inside the axis: a bar may start at its very end.
        widthPct: Math.min(width, Math.max(0, 100 - leftPct)),
        cache: s.cache,
        attempts: s.attempts,
        provider: s.provider,
        failover: s.provider !== s.integration,
        stale: s.status === 'stale' || s.cache === 'stale',
        pastDeadline: s.startedAtMs + s.latencyMs > result.deadlineMs,
        errorMessage: s.error?.message,
      };
      return { row, index };
    })
    // In the order they started; sources that started together keep the view's order.
    .sort((a, b) => a.row.startMs - b.row.startMs || a.index - b.index)
    .map(({ row }) => row);

  return {
    scaleMs,
    deadlineMs: result.deadlineMs,
    deadlinePct: pct(result.deadlineMs, scaleMs),
    totalMs: result.latencyMs,
    ticks,
    rows,
  };
}
