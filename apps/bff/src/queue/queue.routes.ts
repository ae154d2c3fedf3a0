// Operator API for the queue and its dead letters: issues, inspection, replay (dry run), edit, discard.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  DeadLetterIssueListSchema,
  DeadLetterListSchema,
  DiscardRequestSchema,
  DiscardResultSchema,
  EditPayloadRequestSchema,
  EditPayloadResultSchema,
  JobSchema,
  QueueStatsSchema,
  ReplayRequestSchema,
  ReplayResultSchema,
} from '@switchboard/shared/queue';
import type { AuditLog } from '../auth/audit';
import { principalOf } from '../auth/guards';
import type { AppEnv } from '../http/app-env';
import { AppError } from '../http/app-error';
import { validationHook } from '../http/errors';
import { errorContent, jsonBody, jsonContent } from '../http/openapi';
import type { Queue } from './queue';

const idParam = z.object({ id: z.string().min(1).max(100) });

const stats = createRoute({
  method: 'get',
  path: '/api/queue/stats',
  summary: 'Jobs by type and status, and each worker’s concurrency and jobs in flight',
  responses: { 200: jsonContent(QueueStatsSchema, 'Queue statistics') },
});
const issues = createRoute({
  method: 'get',
  path: '/api/dead-letters/issues',
  summary: 'Dead letters grouped by integration, operation and error kind, with first/last seen',
  responses: { 200: jsonContent(DeadLetterIssueListSchema, 'Issues, most recent first') },
});
const list = createRoute({
  method: 'get',
  path: '/api/dead-letters',
  summary: 'Dead letters, newest first, optionally of one issue',
  request: {
    query: z.object({
      issue: z.string().min(1).max(300).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: jsonContent(DeadLetterListSchema, 'Dead letters'),
    400: errorContent('Invalid query'),
  },
});
const inspect = createRoute({
  method: 'get',
  path: '/api/dead-letters/{id}',
  summary: 'One dead (or discarded) letter: payload and every attempt',
  request: { params: idParam },
  responses: {
    200: jsonContent(JobSchema, 'The dead letter'),
    404: errorContent('No such dead letter'),
  },
});
const replay = createRoute({
  method: 'post',
  path: '/api/dead-letters/replay',
  summary: 'Send dead letters back to the queue: one, a selection or a whole issue; dryRun counts',
  request: { body: jsonBody(ReplayRequestSchema) },
  responses: {
    200: jsonContent(ReplayResultSchema, 'What was (or would be) replayed'),
    400: errorContent('Invalid selection'),
  },
});
const edit = createRoute({
  method: 'put',
  path: '/api/dead-letters/{id}/payload',
  summary: 'Replace a dead letter’s payload before replaying it; the change is audited',
  request: { params: idParam, body: jsonBody(EditPayloadRequestSchema) },
  responses: {
    200: jsonContent(EditPayloadResultSchema, 'The dead letter and the change'),
    404: errorContent('No such dead letter'),
  },
});
const discard = createRoute({
  method: 'post',
  path: '/api/dead-letters/discard',
  summary: 'Discard dead letters with a reason (kept, no longer replayable)',
  request: { body: jsonBody(DiscardRequestSchema) },
  responses: {
    200: jsonContent(DiscardResultSchema, 'What was discarded'),
    400: errorContent('Invalid request'),
  },
});

export function createQueueRoutes(deps: { queue: Queue; audit: AuditLog }) {
  const { queue, audit } = deps;
  const dead = queue.deadLetters;
  const notFound = (id: string) => new AppError(404, 'not_found', `No dead letter ${id}.`);
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(stats, async (c) => c.json(await queue.stats(), 200))
    .openapi(issues, async (c) => {
      const found = await dead.issues();
      return c.json({ issues: found, total: found.reduce((n, i) => n + i.count, 0) }, 200);
    })
    .openapi(list, async (c) => {
      const { issue, limit } = c.req.valid('query');
      return c.json({ items: await dead.list({ ...(issue && { issue }), limit }) }, 200);
    })
    .openapi(inspect, async (c) => {
      const { id } = c.req.valid('param');
      const job = await dead.get(id);
      if (!job) throw notFound(id);
      return c.json(job, 200);
    })
    .openapi(replay, async (c) => {
      const { selection, dryRun } = c.req.valid('json');
      const result = await dead.replay(selection, { dryRun });
      if (!dryRun)
        await audit.record({
          action: 'dead_letters.replayed',
          actor: principalOf(c).username,
          ip: c.get('clientIp'),
          target:
            'issue' in selection ? `issue:${selection.issue}` : `dead-letters:${result.count}`,
          details: { selection, ids: result.ids },
        });
      return c.json(result, 200);
    })
    .openapi(edit, async (c) => {
      const { id } = c.req.valid('param');
      const { payload } = c.req.valid('json');
      const result = await dead.edit(id, payload);
      if (!result) throw notFound(id);
      await audit.record({
        action: 'dead_letters.edited',
        actor: principalOf(c).username,
        ip: c.get('clientIp'),
        target: `dead-letter:${id}`,
        details: { diff: result.diff, revision: result.deadLetter.revision },
      });
      return c.json(result, 200);
    })
    .openapi(discard, async (c) => {
      const { selection, reason } = c.req.valid('json');
      const ids = await dead.discard(selection, reason);
      await audit.record({
        action: 'dead_letters.discarded',
        actor: principalOf(c).username,
        ip: c.get('clientIp'),
        target: 'issue' in selection ? `issue:${selection.issue}` : `dead-letters:${ids.length}`,
        details: { selection, ids, reason },
      });
      return c.json({ count: ids.length, ids }, 200);
    });
}
