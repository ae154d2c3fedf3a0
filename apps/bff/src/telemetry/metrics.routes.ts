// GET /metrics: the Prometheus scrape endpoint, outside /api/* (no session), behind a bearer token
// when one is configured.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../http/app-env';
import { AppError } from '../http/app-error';
import { errorContent } from '../http/openapi';
import type { TelemetryMetrics } from './metrics';

const getMetrics = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics (text exposition format)',
  description:
    'Upstream calls and attempts, breaker states, rate-limit headroom, inbound requests by route pattern, and process metrics. When SWITCHBOARD_METRICS_TOKEN is set, send it as `Authorization: Bearer <token>`.',
  security: [{ metricsToken: [] }],
  responses: {
    200: {
      description: 'The metrics, in the Prometheus text format 0.0.4',
      content: { 'text/plain': { schema: z.string() } },
    },
    401: errorContent('A metrics token is configured and the request did not carry it'),
  },
});

const encoder = new TextEncoder();

/** Compares digests, so neither the time taken nor an early exit says how much of the token matched. */
async function tokenMatches(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all(
    [given, expected].map(
      async (v) => new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(v))),
    ),
  );
  if (!a || !b) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * @example app.route('/', createMetricsRoutes({ metrics, token: config.telemetry.metricsToken }));
 */
export function createMetricsRoutes(deps: { metrics: TelemetryMetrics; token?: string }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openAPIRegistry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'SWITCHBOARD_METRICS_TOKEN, when set',
  });
  return app.openapi(getMetrics, async function serveMetrics(c) {
    if (deps.token !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
      if (!match?.[1] || !(await tokenMatches(match[1], deps.token))) {
        c.header('www-authenticate', 'Bearer realm="metrics"');
        throw new AppError(401, 'unauthorized', 'This endpoint needs the metrics token.');
      }
    }
    const { contentType, body } = await deps.metrics.render();
    c.header('cache-control', 'no-store');
    return c.text(body, 200, { 'content-type': contentType });
  });
}
