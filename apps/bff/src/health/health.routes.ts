// Liveness (/healthz: the process answers) and readiness (/readyz: its dependencies are usable).
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { LivenessSchema, ReadinessSchema, type Readiness } from '@switchboard/shared/health';
import type { AppEnv } from '../http/app-env';

/** A named dependency check; returns a detail string when failing, undefined when fine. */
export type ReadinessCheck = () => Promise<string | undefined> | string | undefined;

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness',
  responses: {
    200: { description: 'Alive', content: { 'application/json': { schema: LivenessSchema } } },
  },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness, with the status of each dependency',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadinessSchema } } },
    503: { description: 'Not ready', content: { 'application/json': { schema: ReadinessSchema } } },
  },
});

export function createHealthRoutes(checks: Record<string, ReadinessCheck>) {
  return new OpenAPIHono<AppEnv>()
    .openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyz, async (c) => {
      const entries = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          const detail = await check();
          const result: Readiness['checks'][string] =
            detail === undefined ? { status: 'ok' } : { status: 'failing', detail };
          return [name, result] as const;
        }),
      );
      const ready = entries.every(([, r]) => r.status === 'ok');
      const body: Readiness = {
        status: ready ? 'ready' : 'not_ready',
        checks: Object.fromEntries(entries),
      };
      c.header('cache-control', 'no-store');
      return ready ? c.json(body, 200) : c.json(body, 503);
    });
}
