// Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the visual shape of a long
// history series (peaks and dips) in a fixed number of points, so charts stay cheap to draw.

/**
 * Picks at most `threshold` points of `points`, always keeping the first and last. Points whose
 * y is null (gaps) are kept out of the triangle areas but never dropped when they are chosen.
 * @example lttb(history, 300, (p) => p.at, (p) => p.p95Ms)
 */
export function lttb<T>(
  points: readonly T[],
  threshold: number,
  x: (point: T) => number,
  y: (point: T) => number | null,
): T[] {
  const n = points.length;
  if (threshold >= n || threshold < 3) return points.slice();
  const first = points[0];
  const last = points[n - 1];
  if (first === undefined || last === undefined) return [];
  const out: T[] = [first];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // The average of the next bucket is the third corner of the triangle.
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    let counted = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      const p = points[j];
      const py = p === undefined ? null : y(p);
      if (p === undefined || py === null) continue;
      avgX += x(p);
      avgY += py;
      counted += 1;
    }
    if (counted > 0) {
      avgX /= counted;
      avgY /= counted;
    }
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const pa = points[a];
    const ax = pa === undefined ? 0 : x(pa);
    const ay = (pa === undefined ? null : y(pa)) ?? 0;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const p = points[j];
      if (p === undefined) continue;
      const py = y(p);
      // A gap is kept if nothing else is in the bucket, so missing data still shows as missing.
      const area = py === null ? 0 : Math.abs((ax - avgX) * (py - ay) - (ax - x(p)) * (avgY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    const chosen = points[best];
    if (chosen !== undefined) out.push(chosen);
    a = best;
  }
  out.push(last);
  return out;
}
