// Metrics history API: series per integration (and per operation on request) for a range, from the store.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { MetricsRangeSchema, MetricsResponseSchema } from '@switchboard/shared/metrics';
import { NameSchema } from '@switchboard/shared/upstreams';
import type { AppEnv } from '../http/app-env';
import { AppError } from '../http/app-error';
import { validationHook } from '../http/errors';
import { errorContent, jsonContent } from '../http/openapi';
import { downsample, planRange, type MetricsStore } from './metrics-store';

const getMetrics = createRoute({
  method: 'get',
  path: '/api/metrics',
  summary:
    'Metrics history: p50/p95/p99, throughput, error rate and kinds, retries, cache and breaker state per step',
  description:
    'The step is chosen from the range so a series has at most ~1000 points: live and 15m at 1 s, 1h at 5 s, 24h at 2 min, 7d at 15 min, 30d at 1 h. Percentiles are within 1 % of the exact nearest-rank value.',
  request: {
    query: z.object({
      range: MetricsRangeSchema.default('15m'),
      integration: NameSchema.optional(),
      operation: NameSchema.optional().meta({
        description: "One operation's series besides the integration's; needs `integration`.",
      }),
      operations: z
        .enum(['true', 'false'])
        .default('false')
        .meta({ description: 'Include every operation series, not only the totals.' }),
    }),
  },
  responses: {
    200: jsonContent(MetricsResponseSchema, 'Series, integrations first, in name order'),
    400: errorContent('Invalid query'),
    404: errorContent('No such integration'),
  },
});

export interface MetricsRoutesDeps {
  store: MetricsStore;
  integrations: readonly string[];
  /** Epoch milliseconds. */
  now: () => number;
}

export function createMetricsRoutes(deps: MetricsRoutesDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(getMetrics, async (c) => {
    const { range, integration, operation, operations } = c.req.valid('query');
    if (integration !== undefined && !deps.integrations.includes(integration))
      throw new AppError(404, 'not_found', `No integration named "${integration}".`);
    if (operation !== undefined && integration === undefined)
      throw new AppError(400, 'bad_request', 'operation needs integration');
    const plan = planRange(range, deps.now());
    const rows = await deps.store.read({
      tier: plan.tier,
      from: plan.from,
      to: plan.to,
      ...(integration !== undefined && { integration }),
      ...(operation !== undefined
        ? { operation }
        : operations === 'true'
          ? { operation: '*' }
          : {}),
    });
    c.header('vary', 'Accept-Encoding');
    return c.json(
      {
        range,
        stepSec: plan.stepSec,
        from: plan.from,
        to: plan.to,
        series: downsample(rows, plan),
      },
      200,
    );
  });
}
