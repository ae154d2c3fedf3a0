import type { IntegrationSampleMessage } from '@switchboard/shared/stream';
import type { MetricsPoint } from '@switchboard/shared/metrics';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { FrameScheduler } from './frame-batch';
import { breakerSegments, liveDetail$, pointFromSample, pointsFromHistory } from './live-detail';

const immediate: FrameScheduler = {
  request: (callback) => {
    callback();
    return 0;
  },
  cancel: () => {},
};

const message = (at: number, patch: Partial<IntegrationSampleMessage['sample']> = {}) =>
  ({
    type: 'integration.sample',
    seq: at,
    topic: 'integration:email',
    at,
    sample: {
      integration: 'email',
      calls: 4,
      errors: 1,
      latencyMs: { p50: 10, p95: 40, p99: 90, max: 120 },
      errorsByKind: { timeout: 1 },
      retries: 2,
      cacheHits: 1,
      state: {
        breaker: 'closed',
        forced: null,
        distanceToTrip: 3,
        rateLimitHeadroom: 1,
        enabled: true,
        provider: 'automatic',
      },
      ...patch,
    },
  }) satisfies IntegrationSampleMessage;

describe('live detail series', () => {
  it('turns a sample into a chart point with errors by kind as stackable fields', () => {
    expect(pointFromSample(message(1000))).toEqual({
      at: 1000,
      p50: 10,
      p95: 40,
      p99: 90,
      throughput: 4,
      errors: 1,
      retries: 2,
      cacheHits: 1,
      breaker: 'closed',
      kind_timeout: 1,
    });
  });

  it('stays bounded and skips a repeated second (a snapshot after a resubscribe)', () => {
    const samples = new Subject<IntegrationSampleMessage>();
    let last: number[] = [];
    liveDetail$(samples, { capacity: 3, frames: immediate }).subscribe((points) => {
      last = points.map((p) => p.at);
    });
    for (const at of [1000, 2000, 2000, 3000, 4000, 5000]) samples.next(message(at));
    expect(last).toEqual([3000, 4000, 5000]);
  });

  it('thins history to the limit, per second like the live series', () => {
    const history: MetricsPoint[] = Array.from({ length: 1000 }, (_, i) => ({
      at: i * 5000,
      calls: 50,
      throughput: 10,
      errorRate: 0.1,
      errorsByKind: { http_5xx: 5 },
      p50Ms: 5,
      p95Ms: i === 500 ? 800 : 20,
      p99Ms: 30,
      maxMs: 40,
      retries: 10,
      attempts: {},
      cacheHitRatio: 0.5,
      staleRatio: 0,
      failovers: 0,
      providers: {},
      synthetic: { calls: 0, errors: 0 },
      breaker: 'closed',
      breakerOpenSec: 0,
      minDistanceToTrip: 3,
      maxBulkheadActive: 1,
      minRateLimitHeadroom: 1,
      health: 'up',
    }));
    const points = pointsFromHistory(history, 5, 100);
    expect(points).toHaveLength(100);
    expect(points.some((p) => p.p95 === 800)).toBe(true);
    expect(points[0]).toMatchObject({ errors: 1, kind_http_5xx: 1, retries: 2, cacheHits: 5 });
  });

  it('groups breaker states into runs for the timeline', () => {
    const points = [1000, 2000, 3000, 4000].map((at, i) =>
      pointFromSample(
        message(at, {
          state: {
            breaker: i === 1 || i === 2 ? 'open' : 'closed',
            forced: null,
            distanceToTrip: 0,
            rateLimitHeadroom: 1,
            enabled: true,
            provider: 'automatic',
          },
        }),
      ),
    );
    expect(breakerSegments(points, 1000)).toEqual([
      { state: 'closed', from: 1000, to: 2000 },
      { state: 'open', from: 2000, to: 4000 },
      { state: 'closed', from: 4000, to: 5000 },
    ]);
  });
});
