// HTTP face of views: GET /api/views/:name runs one declared view.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { NameSchema, ViewResultSchema } from '@switchboard/shared/upstreams';
import type { AppEnv } from '../http/app-env';
import { AppError } from '../http/app-error';
import { validationHook } from '../http/errors';
import type { ViewConfig } from '../upstreams/integrations';
import { runView, type RunViewDeps } from './run-view';

const getView = createRoute({
  method: 'get',
  path: '/api/views/{name}',
  summary: 'Run a declared view: its sources in parallel, one section per source',
  request: { params: z.object({ name: NameSchema }) },
  responses: {
    200: {
      description: 'Every source, each with its own status',
      content: { 'application/json': { schema: ViewResultSchema } },
    },
    400: {
      description: 'Invalid view name',
      content: { 'application/json': { schema: ErrorBodySchema } },
    },
    404: {
      description: 'No such view',
      content: { 'application/json': { schema: ErrorBodySchema } },
    },
  },
});

export function createViewRoutes(deps: RunViewDeps & { views: ViewConfig[] }) {
  const byName = new Map(deps.views.map((v) => [v.name, v]));
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(getView, async (c) => {
    const { name } = c.req.valid('param');
    const view = byName.get(name);
    if (!view) {
      throw new AppError(
        404,
        'not_found',
        `No view named "${name}". Known views: ${[...byName.keys()].join(', ')}.`,
      );
    }
    const result = await runView(deps, view, c.req.raw.signal);
    c.header('cache-control', 'no-store');
    return c.json(result, 200);
  });
}
