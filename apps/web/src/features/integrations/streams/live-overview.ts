// Live figures for the overview tiles, folded from the per-second samples. Two consumers, two shapes,
// so that a second's fifty updates cost little (issue 6's benchmark, decision 028):
// - the page gets a new map of latest samples once per animation frame with data (it sorts, filters
//   and judges health from them);
// - each tile gets a feed of its own that keeps its identity for the page's life (so a memoised tile
//   is not re-rendered by new figures) and notifies its subscribers: the figures' text re-renders as
//   small leaves, and the sparklines redraw their path without React. The feeds hear of a second
//   over a few frames, a share of the tiles each (`feedFrames`).
import type { IntegrationSample, SampleMessage } from '@switchboard/shared/stream';
import { map, Observable } from 'rxjs';
import { browserFrames, latestPerFrame, type FrameScheduler } from './frame-batch';
import { RingBuffer } from './ring-buffer';
import { liveSeriesCapacity } from '../../../lib/perf-flags';

/** One integration's live figures: the latest sample and a minute of p95 and error rate. */
export interface TileFeed {
  readonly latest: () => IntegrationSample | undefined;
  /** Oldest first, one per second; null for seconds without calls. */
  readonly p95: RingBuffer<number | null>;
  readonly errorRate: RingBuffer<number | null>;
  /** Called after each new sample; returns the unsubscribe. Stable (safe to pass to React). */
  readonly subscribe: (listener: () => void) => () => void;
}

export interface OverviewLive {
  /** Latest sample per integration; a new map each time one arrives. */
  samples: ReadonlyMap<string, IntegrationSample>;
  /** Each integration's feed; the same object for the whole subscription. */
  feeds: ReadonlyMap<string, TileFeed>;
}

export const emptyOverview: OverviewLive = { samples: new Map(), feeds: new Map() };

/** Seconds of history a tile's sparklines keep. */
export const sparklineSeconds = 60;

/**
 * The tiles' feeds are told of a second over this many frames (tile i in frame i mod 2): fifty
 * tiles' text, sparkline paths, style, layout and paint in one frame made one task of ~20 ms of CPU,
 * which contention for the core stretches past 50 ms. Each frame also has a fixed cost (style,
 * paint and compositing walks of the page), so more frames cost more in all: with four, the page
 * used ~40 % more CPU a second than with one, with two about the same (bench/RESULTS.md).
 */
export const feedFrames = 2;

/** A feed that takes samples through `push` (and notifies only when `notify` is called). */
export interface WritableTileFeed extends TileFeed {
  readonly push: (sample: IntegrationSample) => void;
  readonly notify: () => void;
}

/**
 * @example const feed = createTileFeed(60); feed.push(sample); feed.notify();
 */
export function createTileFeed(capacity: number): WritableTileFeed {
  let latest: IntegrationSample | undefined;
  const listeners = new Set<() => void>();
  const p95 = new RingBuffer<number | null>(capacity);
  const errorRate = new RingBuffer<number | null>(capacity);
  return {
    latest: () => latest,
    p95,
    errorRate,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push: (sample) => {
      latest = sample;
      p95.push(sample.latencyMs?.p95 ?? null);
      errorRate.push(sample.calls > 0 ? sample.errors / sample.calls : null);
    },
    notify: () => {
      for (const listener of listeners) listener();
    },
  };
}

/**
 * @example const live$ = overviewLive$(samples$); useObservable(live$, emptyOverview);
 */
export function overviewLive$(
  samples$: Observable<SampleMessage>,
  options: { capacity?: number; frames?: FrameScheduler } = {},
): Observable<OverviewLive> {
  const capacity = options.capacity ?? liveSeriesCapacity(sparklineSeconds);
  const frames = options.frames ?? browserFrames();
  return new Observable<OverviewLive>((subscriber) => {
    // Per subscription, so two pages never share (or double-fill) the buffers.
    const feeds = new Map<string, WritableTileFeed>();
    /** Each feed's group: the order it first appeared in, modulo feedFrames. */
    const groupOf = new Map<WritableTileFeed, number>();
    const changed = new Set<WritableTileFeed>();
    /** Groups still to be told of the latest second, one per coming frame. */
    let waiting: WritableTileFeed[][] = [];
    let handle: number | undefined;
    const notifyNext = () => {
      handle = undefined;
      for (const feed of waiting.shift() ?? []) feed.notify();
      if (waiting.length > 0) handle = frames.request(notifyNext);
    };
    /** Tells every group still waiting at once (a newer second has come, or the end). */
    const notifyAll = () => {
      if (handle !== undefined) frames.cancel(handle);
      handle = undefined;
      const groups = waiting;
      waiting = [];
      for (const group of groups) for (const feed of group) feed.notify();
    };
    let samples = new Map<string, IntegrationSample>();
    let lastAt = -Infinity;
    const subscription = samples$
      .pipe(
        // Every message is folded into the rings as it arrives (no second is lost); subscribers
        // hear of it once per frame.
        map((message) => {
          // A snapshot replayed on resubscribe may repeat the newest second: keep one per second
          // (and still hand on an earlier second of this frame that is waiting).
          if (message.at <= lastAt) return changed.size > 0 ? samples : undefined;
          lastAt = message.at;
          samples = new Map(samples);
          for (const sample of message.samples) {
            let feed = feeds.get(sample.integration);
            if (!feed) {
              feed = createTileFeed(capacity);
              groupOf.set(feed, feeds.size % feedFrames);
              feeds.set(sample.integration, feed);
            }
            feed.push(sample);
            changed.add(feed);
            samples.set(sample.integration, sample);
          }
          return samples;
        }),
        latestPerFrame<Map<string, IntegrationSample> | undefined>(frames),
      )
      .subscribe({
        next(latest) {
          if (!latest) return;
          notifyAll();
          const groups: WritableTileFeed[][] = Array.from({ length: feedFrames }, () => []);
          for (const feed of changed) groups[groupOf.get(feed) ?? 0]?.push(feed);
          changed.clear();
          // The first group now, with the page's render (one commit); the others in the next frames.
          waiting = groups.filter((group) => group.length > 0);
          for (const feed of waiting.shift() ?? []) feed.notify();
          if (waiting.length > 0) handle = frames.request(notifyNext);
          subscriber.next({ samples: latest, feeds });
        },
        error: (err: unknown) => {
          notifyAll();
          subscriber.error(err);
        },
        complete: () => {
          notifyAll();
          subscriber.complete();
        },
      });
    return () => {
      if (handle !== undefined) frames.cancel(handle);
      subscription.unsubscribe();
    };
  });
}
