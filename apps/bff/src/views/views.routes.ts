// HTTP face of views: GET /api/views/:name runs one declared view, with ETag revalidation.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { NameSchema, ViewResultSchema } from '@switchboard/shared/upstreams';
import { ViewListSchema, type ViewList } from '@switchboard/shared/views';
import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env';
import { AppError } from '../http/app-error';
import { validationHook } from '../http/errors';
import { jsonContent } from '../http/openapi';
import { runView, type CallerWatch, type RunViewDeps } from './run-view';
import { etagMatches, viewBody } from './view-body';
import type { ViewPlan } from './view-plan';

const getView = createRoute({
  method: 'get',
  path: '/api/views/{name}',
  summary: 'Run a declared view: its sources in parallel, one section per source',
  description:
    'Answers 200 with partial data when sources fail (each section has its own status). Carries a weak ETag over the sources’ outcomes and data; send it back in If-None-Match to get 304 when nothing changed.',
  request: { params: z.object({ name: NameSchema }) },
  responses: {
    200: {
      description: 'Every source, each with its own status',
      content: { 'application/json': { schema: ViewResultSchema } },
    },
    304: { description: 'Unchanged since the ETag sent in If-None-Match' },
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

const listViews = createRoute({
  method: 'get',
  path: '/api/views',
  summary: 'The declared views: name, whole-view deadline and sources (with what each waits for)',
  responses: { 200: jsonContent(ViewListSchema, 'Declared views, by name') },
});

/** The plans as the console shows them; built once, as the catalog does not change at run time. */
function listingOf(plans: ReadonlyMap<string, ViewPlan>): ViewList {
  return {
    items: [...plans.values()]
      .map((plan) => ({
        name: plan.name,
        deadlineMs: plan.deadlineMs,
        sources: plan.sources.map((s) => ({
          id: s.id,
          integration: s.integration,
          operation: s.operation,
          dependsOn: [...s.dependsOn],
        })),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

const ViewParamsSchema = z.object({ name: NameSchema });

export function createViewRoutes(
  deps: RunViewDeps & {
    plans: ReadonlyMap<string, ViewPlan>;
    /** The runtime's cheap way to learn that the caller left; the request's signal otherwise. */
    watchClient?: ((c: Context<AppEnv>) => CallerWatch | undefined) | undefined;
  },
) {
  const listing = listingOf(deps.plans);
  // Declared names that are valid view names need no per-request validation: the check below
  // only runs for a name that names no view (to tell 400 from 404). The route is registered by
  // hand, not through `.openapi()`, whose zod validator middleware costs more per request than
  // the rest of the route's own work; the OpenAPI document still describes it.
  const known = new Map(
    [...deps.plans].filter(([name]) => ViewParamsSchema.safeParse({ name }).success),
  );
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(listViews, (c) =>
    c.json(listing, 200),
  );
  app.openAPIRegistry.registerPath(getView);
  return app.get('/api/views/:name', async function getViewResult(c) {
    const name = c.req.param('name');
    const plan = known.get(name);
    if (!plan) {
      const checked = ViewParamsSchema.safeParse({ name });
      if (!checked.success)
        return (
          validationHook({ success: false, error: checked.error, target: 'param' }, c) ??
          c.body(null, 400)
        );
      throw new AppError(
        404,
        'not_found',
        `No view named "${name}". Known views: ${[...deps.plans.keys()].join(', ') || 'none'}.`,
      );
    }
    const trace = c.get('trace');
    const result = await runView(
      deps,
      plan,
      deps.watchClient?.(c) ?? (() => c.req.raw.signal),
      trace && { traceId: trace.traceId, parentSpanId: trace.spanId },
    );
    // One serialisation for both: the ETag is computed over the same data text the body carries.
    const { json, etag } = viewBody(result);
    c.header('etag', etag);
    c.header('cache-control', 'no-cache');
    if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
    // Set before the body: compress() adding it afterwards would rebuild the response as a stream.
    c.header('vary', 'Accept-Encoding');
    // What c.json(result) would send (the same text and content type), without serialising again.
    c.header('content-type', 'application/json');
    return c.body(json, 200);
  });
}
