// Inbound webhooks: their sources and dependencies, and the webhook log's route. The ingest route
// itself (verify on the raw body, dedupe by delivery id, queue, acknowledge fast) is webhook-ingest.ts.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { WebhookSourceConfig } from '@switchboard/shared/catalog';
import { WebhookLogSchema } from '@switchboard/shared/queue';
import { NameSchema } from '@switchboard/shared/upstreams';
import type { AppEnv } from '../http/app-env';
import { validationHook } from '../http/errors';
import type { Logger } from '../http/logger';
import { errorContent, jsonContent } from '../http/openapi';
import type { Queue } from '../queue/queue';
import type { WebhookKey } from './verify-webhook';
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

/** `GET /api/webhooks/log`, behind the app-wide chain (session, roles) like every `/api` route. */
export function createWebhookRoutes(deps: Pick<WebhookRoutesDeps, 'log'>) {
  const { log } = deps;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  return app.openapi(getLog, async (c) => {
    const { source, limit } = c.req.valid('query');
    return c.json({ items: await log.list({ ...(source && { source }), limit }) }, 200);
  });
}
