// A tiny SVG line for a tile: no charting library, so fifty of them redraw cheaply every second.
import { memo } from 'react';

/** The SVG path for `values` in a `width` × `height` box; nulls break the line. */
export function sparkPath(values: readonly (number | null)[], width: number, height: number) {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return '';
  const max = Math.max(...present);
  const min = Math.min(0, ...present);
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

export const Sparkline = memo(function Sparkline({
  values,
  label,
  width = 120,
  height = 28,
  tone = 'neutral',
}: {
  values: readonly (number | null)[];
  /** What the line shows, for assistive technology (the figure beside it gives the number). */
  label: string;
  width?: number;
  height?: number;
  tone?: 'neutral' | 'bad';
}) {
  return (
    <svg
      className={`sparkline sparkline--${tone}`}
      role="img"
      aria-label={label}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      data-points={values.length}
      preserveAspectRatio="none"
    >
      <path d={sparkPath(values, width, height)} fill="none" strokeWidth={1.5} />
    </svg>
  );
});
