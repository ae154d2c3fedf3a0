// Inbound webhooks: verified on the raw body, deduplicated by delivery id, queued, acknowledged fast.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Handler } from 'hono';
import type { WebhookSourceConfig } from '@switchboard/shared/catalog';
import { WebhookLogSchema, type WebhookRejection } from '@switchboard/shared/queue';
import { NameSchema } from '@switchboard/shared/upstreams';
import type { AppEnv } from '../http/app-env';
import { errorResponse, validationHook } from '../http/errors';
import type { Logger } from '../http/logger';
import { errorContent, jsonContent } from '../http/openapi';
import type { EnqueueResult, Queue } from '../queue/queue';
import { verifyWebhook, type WebhookKey } from './verify-webhook';
import type { WebhookLog } from './webhook-log';

/** The job type that processes verified deliveries. */
export const webhookJobType = 'webhook.process';

export interface WebhookSource {
  config: WebhookSourceConfig;
  /** The active secrets as HMAC keys (several while rotating). */
  keys: WebhookKey[];
}

export interface WebhookRoutesDeps {
  sources: ReadonlyMap<string, WebhookSource>;
  queue: Queue;
  log: WebhookLog;
  /** Wall-clock epoch milliseconds, for the signed timestamps. */
  now: () => number;
  logger: Logger;
}

const rejectionStatus: Record<WebhookRejection, 400 | 401 | 404> = {
  unknown_source: 404,
  missing_signature: 401,
  malformed_signature: 401,
  bad_signature: 401,
  timestamp_out_of_tolerance: 401,
  invalid_body: 400,
};

const getLog = createRoute({
  method: 'get',
  path: '/api/webhooks/log',
  summary: 'Inbound webhook deliveries, newest first: accepted, duplicate and rejected (with why)',
  request: {
    query: z.object({
      source: NameSchema.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: jsonContent(WebhookLogSchema, 'Deliveries'),
    400: errorContent('Invalid query'),
  },
});

/**
 * `POST /webhooks/:source`: verify, dedupe, enqueue, log, answer. Mounted by `createWebhookIngest`
 * (webhook-ingest.ts) behind its own lean middleware chain.
 */
export function receiveWebhookHandler(deps: WebhookRoutesDeps): Handler<AppEnv> {
  const { sources, queue, log, logger } = deps;
  return async function receiveWebhook(c) {
    const source = c.req.param('source') ?? '';
    const body = new Uint8Array(await c.req.arrayBuffer());
    const at = deps.now();
    const entry = { at, source, bodyBytes: body.length, eventType: null, jobId: null };
    const reject = async (reason: WebhookRejection, deliveryId: string | null) => {
      // The reason and the sizes only: never the secret, the signature or the body.
      logger.warn({ source, reason, deliveryId, bodyBytes: body.length }, 'webhook rejected');
      await log.append({ ...entry, deliveryId, outcome: 'rejected', reason });
      return errorResponse(
        c,
        rejectionStatus[reason],
        reason === 'unknown_source'
          ? 'not_found'
          : reason === 'invalid_body'
            ? 'bad_request'
            : 'unauthorized',
        `Webhook refused: ${reason.replaceAll('_', ' ')}.`,
      );
    };
    const found = sources.get(source);
    if (!found) return reject('unknown_source', null);
    const verdict = await verifyWebhook(
      found.config,
      found.keys,
      { header: (name) => c.req.header(name), body },
      at,
    );
    if (!verdict.ok) return reject(verdict.reason, verdict.deliveryId);

    const deliveryId = verdict.deliveryId;
    const outcomeOf = (job: EnqueueResult) => (job.created ? 'accepted' : 'duplicate');
    // The job and its log line are made durable together (one commit for the embedded store).
    const job = await log.appendEnqueued(
      () =>
        queue.enqueue({
          type: webhookJobType,
          payload: { source, deliveryId, eventType: verdict.eventType, event: verdict.event },
          // The delivery id makes a redelivery the same job: processed once, acknowledged again.
          ...(deliveryId !== null && { idempotencyKey: `${source}:${deliveryId}` }),
          integration: `webhook-${source}`,
          operation: verdict.eventType ?? 'event',
        }),
      (enqueued) => ({
        ...entry,
        deliveryId,
        outcome: outcomeOf(enqueued),
        reason: null,
        eventType: verdict.eventType,
        jobId: enqueued.id,
      }),
    );
    const outcome = outcomeOf(job);
    return c.json({ status: outcome, jobId: job.id }, job.created ? 202 : 200);
  };
}

/** `GET /api/webhooks/log`, behind the app-wide chain (session, roles) like every `/api` route. */
export function createWebhookRoutes(deps: Pick<WebhookRoutesDeps, 'log'>) {
  const { log } = deps;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  return app.openapi(getLog, async (c) => {
    const { source, limit } = c.req.valid('query');
    return c.json({ items: await log.list({ ...(source && { source }), limit }) }, 200);
  });
}
