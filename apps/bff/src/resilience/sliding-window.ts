// Counters over a sliding time window, kept in time buckets so a record costs O(1), not a scan.

/** Bucket rows as serialised: oldest first, one array of per-series counts per bucket. */
export interface SlidingWindowJSON {
  bucketMs: number;
  buckets: number[][];
}

/**
 * Several counters (series) summed over the last `windowMs`, at a resolution of one bucket
 * (`windowMs / buckets`): a count leaves the window between `windowMs - bucketMs` and `windowMs`
 * after it was added. Totals are kept running, so reading and adding never walk the window;
 * moving to a new bucket clears at most `buckets` old ones.
 *
 * @example
 * const w = new SlidingWindow(10_000, 10, 2, clock.now()); // e.g. [calls, retries]
 * w.add(clock.now(), 0);
 * w.total(clock.now(), 0); // 1
 */
export class SlidingWindow {
  readonly bucketMs: number;
  private readonly size: number;
  private readonly series: number;
  /** size × series counts, bucket-major. */
  private readonly counts: Float64Array;
  private readonly totals: Float64Array;
  /** Bucket number (time / bucketMs) of the newest bucket. */
  private epoch: number;

  constructor(windowMs: number, buckets: number, series: number, now: number) {
    this.size = Math.max(1, Math.floor(buckets));
    // A zero window would make every bucket instant; keep at least 1 ms per bucket.
    this.bucketMs = Math.max(1, Math.ceil(windowMs / this.size));
    this.series = series;
    this.counts = new Float64Array(this.size * series);
    this.totals = new Float64Array(series);
    this.epoch = Math.floor(now / this.bucketMs);
  }

  /** Adds `n` to one series in the bucket for `now`. */
  add(now: number, series: number, n = 1): void {
    this.advance(now);
    this.bump(series, n);
  }

  /** The sum of one series over the window ending at `now`. */
  total(now: number, series: number): number {
    this.advance(now);
    return this.totals[series] ?? 0;
  }

  /** Adds to the newest bucket, for a caller that has just called `advance` (saves the time math). */
  bump(series: number, n = 1): void {
    const i = this.slot(this.epoch) + series;
    this.counts[i] = (this.counts[i] ?? 0) + n;
    this.totals[series] = (this.totals[series] ?? 0) + n;
  }

  /** A series' sum as of the last `advance`. */
  current(series: number): number {
    return this.totals[series] ?? 0;
  }

  /** Moves the window to end at `now`, clearing the buckets that left it. */
  advance(now: number): void {
    const epoch = Math.floor(now / this.bucketMs);
    if (epoch <= this.epoch) return;
    if (epoch - this.epoch >= this.size) {
      this.counts.fill(0);
      this.totals.fill(0);
    } else {
      for (let e = this.epoch + 1; e <= epoch; e++) {
        const base = this.slot(e);
        for (let s = 0; s < this.series; s++) {
          this.totals[s] = (this.totals[s] ?? 0) - (this.counts[base + s] ?? 0);
          this.counts[base + s] = 0;
        }
      }
    }
    this.epoch = epoch;
  }

  reset(now: number): void {
    this.counts.fill(0);
    this.totals.fill(0);
    this.epoch = Math.floor(now / this.bucketMs);
  }

  /** Buckets oldest first, with times made relative so another clock can restore them. */
  toJSON(now: number): SlidingWindowJSON {
    this.advance(now);
    const buckets: number[][] = [];
    for (let age = this.size - 1; age >= 0; age--) {
      const base = this.slot(this.epoch - age);
      buckets.push(Array.from(this.counts.subarray(base, base + this.series)));
    }
    return { bucketMs: this.bucketMs, buckets };
  }

  /**
   * Loads buckets saved by `toJSON`, the newest landing in the bucket for `now`. A window saved
   * with another bucket size (the policy changed) is dropped rather than guessed at.
   */
  restore(json: SlidingWindowJSON, now: number): void {
    this.reset(now);
    if (json.bucketMs !== this.bucketMs) return;
    const rows = json.buckets.slice(-this.size);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] ?? [];
      const base = this.slot(this.epoch - (rows.length - 1 - i));
      for (let s = 0; s < this.series; s++) {
        const n = row[s] ?? 0;
        if (!Number.isFinite(n) || n <= 0) continue;
        this.counts[base + s] = n;
        this.totals[s] = (this.totals[s] ?? 0) + n;
      }
    }
  }

  /** Offset of a bucket's counts; epochs before 0 (restoring near clock start) wrap too. */
  private slot(epoch: number): number {
    return (((epoch % this.size) + this.size) % this.size) * this.series;
  }
}
