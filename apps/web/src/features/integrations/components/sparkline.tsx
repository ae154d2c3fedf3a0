// A tiny SVG line for a tile: no charting library, so fifty of them redraw cheaply every second. The
// live one draws outside React: a new second changes one `d` attribute (no render, no new nodes), and
// only while its tile is on or near the screen.
import { memo, useContext, useLayoutEffect, useRef, type Ref } from 'react';
import type { TileFeed } from '../streams/live-overview';
import { VisibilityContext } from './visibility';

/** The SVG path for `values` in a `width` × `height` box; nulls break the line. */
export function sparkPath(values: readonly (number | null)[], width: number, height: number) {
  let max = -Infinity;
  let min = 0;
  for (const v of values) {
    if (v === null) continue;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  if (max === -Infinity) return '';
  const span = max - min || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - ((v - min) / span) * height).toFixed(1);
    d += `${pen ? 'L' : 'M'}${x} ${y}`;
    pen = true;
  });
  return d;
}

type Tone = 'neutral' | 'bad';
const width = 120;
const height = 28;

/** The line's box; `data-points` says how many values it draws (what tests and the benchmark read). */
function SparkSvg({
  label,
  svgRef,
  pathRef,
  d,
  points,
  tone,
}: {
  label: string;
  svgRef?: Ref<SVGSVGElement>;
  pathRef?: Ref<SVGPathElement>;
  d?: string;
  points?: number;
  tone?: Tone;
}) {
  return (
    <svg
      ref={svgRef}
      className="sparkline"
      role="img"
      aria-label={label}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      data-points={points}
      data-tone={tone}
      preserveAspectRatio="none"
    >
      <path ref={pathRef} d={d} fill="none" strokeWidth={1.5} />
    </svg>
  );
}

/** A line over fixed values (a history range). */
export const Sparkline = memo(function Sparkline({
  values,
  label,
  tone = 'neutral',
}: {
  values: readonly (number | null)[];
  /** What the line shows, for assistive technology (the figure beside it gives the number). */
  label: string;
  tone?: Tone;
}) {
  return (
    <SparkSvg
      label={label}
      d={sparkPath(values, width, height)}
      points={values.length}
      tone={tone}
    />
  );
});

/**
 * A line over one of a tile feed's live series, redrawn by the feed (not by React renders).
 * @param alarming a latest value above zero draws the line in the error colour (the error rate).
 */
export function LiveSparkline({
  feed,
  series,
  label,
  alarming = false,
}: {
  feed: TileFeed | undefined;
  series: 'p95' | 'errorRate';
  label: string;
  alarming?: boolean;
}) {
  const svgRef = useRef<SVGSVGElement>(null);
  const pathRef = useRef<SVGPathElement>(null);
  const visibility = useContext(VisibilityContext);
  useLayoutEffect(() => {
    const svg = svgRef.current;
    const path = pathRef.current;
    if (!svg || !path) return undefined;
    let visible = true;
    let stale = false;
    const draw = () => {
      if (!visible) {
        stale = true;
        return;
      }
      stale = false;
      const ring = feed?.[series];
      const values = ring ? ring.toArray() : [];
      path.setAttribute('d', sparkPath(values, width, height));
      svg.setAttribute('data-points', String(values.length));
      svg.setAttribute('data-tone', alarming && (ring?.last() ?? 0) > 0 ? 'bad' : 'neutral');
    };
    draw();
    const unsubscribe = feed?.subscribe(draw);
    // The tile is what content-visibility skips; an element inside a skipped tile has no geometry.
    const unwatch = visibility?.watch(svg.closest('li') ?? svg, (now) => {
      visible = now;
      if (visible && stale) draw();
    });
    return () => {
      unsubscribe?.();
      unwatch?.();
    };
  }, [feed, series, alarming, visibility]);
  return <SparkSvg label={label} svgRef={svgRef} pathRef={pathRef} />;
}
