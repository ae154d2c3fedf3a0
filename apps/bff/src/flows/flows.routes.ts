// The flows API: start the sign-up flow (its critical step awaited, the rest queued), and list and
// inspect flow runs with their step states.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  FlowRunListSchema,
  FlowRunQuerySchema,
  FlowRunSchema,
  SignupRequestSchema,
  SignupResponseSchema,
} from '@switchboard/shared/flows';
import { principalOf } from '../auth/guards';
import type { AppEnv } from '../http/app-env';
import { AppError } from '../http/app-error';
import { validationHook } from '../http/errors';
import { errorContent, jsonBody, jsonContent } from '../http/openapi';
import { traceId as newTraceId } from '../upstreams/trace';
import type { FlowEngine } from './flow-engine';
import type { FlowStore } from './flow-store';

export interface FlowRoutesDeps {
  engine: FlowEngine;
  store: FlowStore;
  /** How long the sync steps may take before the request gives up on them. */
  syncDeadlineMs?: number;
}

/** The flow `POST /api/flows/signup` starts; the catalog must declare it. */
export const signupFlow = 'signup';
/** The sync step of the sign-up flow whose result is the created user. */
export const signupUserStep = 'create-user';

const signup = createRoute({
  method: 'post',
  path: '/api/flows/signup',
  summary:
    'Sign a user up: creates the user (awaited), then queues the welcome email and the analytics event',
  description:
    'Send an `Idempotency-Key` to make retries safe: the same key replays the stored answer, and ' +
    'every upstream call of the run carries a key derived from it, so no side effect happens twice.',
  request: { body: jsonBody(SignupRequestSchema) },
  responses: {
    201: jsonContent(SignupResponseSchema, 'The user was created; the other steps are queued'),
    400: errorContent('Invalid body'),
    409: errorContent('The same key is still being processed, or names a compensated run'),
    422: errorContent('The Idempotency-Key was used with a different request'),
    502: errorContent('Creating the user failed; the run records why'),
  },
});

const listRuns = createRoute({
  method: 'get',
  path: '/api/flows/runs',
  summary: 'Flow runs, newest first, with their step states; cursor pagination',
  request: { query: FlowRunQuerySchema },
  responses: {
    200: jsonContent(FlowRunListSchema, 'A page of runs'),
    400: errorContent('Invalid query or cursor'),
  },
});

const getRun = createRoute({
  method: 'get',
  path: '/api/flows/runs/{id}',
  summary: 'One flow run with every step: status, attempts, result or error, jobs',
  request: { params: z.object({ id: z.string().min(1).max(100) }) },
  responses: {
    200: jsonContent(FlowRunSchema, 'The run'),
    404: errorContent('No such run'),
  },
});

const CursorSchema = z.object({ c: z.number().int(), i: z.string().min(1).max(100) });
const encodeCursor = (createdAt: number, id: string) =>
  btoa(JSON.stringify({ c: createdAt, i: id })).replaceAll('=', '');
function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const parsed = CursorSchema.parse(JSON.parse(atob(cursor)) as unknown);
    return { createdAt: parsed.c, id: parsed.i };
  } catch {
    throw new AppError(
      400,
      'bad_request',
      'Unknown cursor: pass nextCursor from the previous page.',
    );
  }
}

export function createFlowRoutes(deps: FlowRoutesDeps) {
  const { engine, store } = deps;
  const syncDeadlineMs = deps.syncDeadlineMs ?? 10_000;
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(signup, async (c) => {
      const input = c.req.valid('json');
      const trace = c.get('trace');
      const result = await engine.start(signupFlow, input, {
        idempotencyKey: c.get('idempotencyKey'),
        scope: principalOf(c).userId,
        signal: AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(syncDeadlineMs)]),
        traceId: trace?.traceId ?? newTraceId(),
        parentSpanId: trace?.spanId,
      });
      switch (result.kind) {
        case 'started':
          return c.json({ user: result.results[signupUserStep] ?? null, run: result.run }, 201);
        case 'mismatch':
          throw new AppError(
            422,
            'idempotency_key_reused',
            'This Idempotency-Key started a run with a different request; use a new key.',
            { details: { runId: result.run.id } },
          );
        case 'compensated':
          throw new AppError(
            409,
            'conflict',
            'This Idempotency-Key names a run that was compensated; use a new key to sign up again.',
            { details: { runId: result.run.id, status: result.run.status } },
          );
        case 'failed':
          throw new AppError(
            502,
            'upstream_failed',
            `Step ${result.step} failed: ${result.error.message}`,
            { details: { runId: result.run.id, step: result.step, error: result.error } },
          );
      }
    })
    .openapi(listRuns, async (c) => {
      const { status, flow, limit, cursor } = c.req.valid('query');
      const before = cursor === undefined ? undefined : decodeCursor(cursor);
      // One more than asked: whether there is a next page, without a count query.
      const rows = await store.list({
        ...(status && { status }),
        ...(flow && { flow }),
        limit: limit + 1,
        ...(before && { before }),
      });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      const nextCursor = rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null;
      return c.json({ items, nextCursor }, 200);
    })
    .openapi(getRun, async (c) => {
      const { id } = c.req.valid('param');
      const run = await store.get(id);
      if (!run) throw new AppError(404, 'not_found', `No flow run ${id}.`);
      return c.json(run, 200);
    });
}
