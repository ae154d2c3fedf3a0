// Operator API for integrations: their live state and effective policies, breaker controls, recent calls.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  BreakerActionSchema,
  IntegrationListSchema,
  IntegrationStateSchema,
  RecentCallListSchema,
  type IntegrationState,
} from '@switchboard/shared/integrations';
import { NameSchema } from '@switchboard/shared/upstreams';
import type { AuditLog } from '../auth/audit';
import { principalOf } from '../auth/guards';
import type { AppEnv } from '../http/app-env';
import { AppError } from '../http/app-error';
import { validationHook } from '../http/errors';
import { errorContent, jsonBody, jsonContent } from '../http/openapi';
import type { RecentCalls } from '../metrics/recent-calls';
import type { Clock } from '../resilience/clock';
import type { IntegrationRuntime } from '../upstreams/upstream-engine';
import { liveStateOf } from './live-state';

const nameParam = z.object({ name: NameSchema });

const listIntegrations = createRoute({
  method: 'get',
  path: '/api/integrations',
  summary: 'Integrations with live resilience state and effective policies, in name order',
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: NameSchema.optional().meta({ description: 'The `nextCursor` of the previous page.' }),
    }),
  },
  responses: {
    200: jsonContent(IntegrationListSchema, 'A page of integrations'),
    400: errorContent('Invalid paging'),
  },
});

const getIntegration = createRoute({
  method: 'get',
  path: '/api/integrations/{name}',
  summary: 'One integration with live resilience state and effective policies',
  request: { params: nameParam },
  responses: {
    200: jsonContent(IntegrationStateSchema, 'The integration'),
    404: errorContent('No such integration'),
  },
});

const controlBreaker = createRoute({
  method: 'post',
  path: '/api/integrations/{name}/breaker',
  summary: "Force an integration's breaker open (isolate) or closed, or release it to automatic",
  request: {
    params: nameParam,
    body: jsonBody(BreakerActionSchema),
  },
  responses: {
    200: jsonContent(IntegrationStateSchema, 'The integration after the change'),
    400: errorContent('Invalid action'),
    404: errorContent('No such integration'),
  },
});

const listCalls = createRoute({
  method: 'get',
  path: '/api/calls',
  summary: 'Recent upstream calls, oldest first; `since` returns only what is newer (a delta)',
  request: {
    query: z.object({
      since: z.coerce.number().int().nonnegative().optional(),
      integration: NameSchema.optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: jsonContent(RecentCallListSchema, 'Calls'),
    400: errorContent('Invalid query'),
  },
});

export interface IntegrationRoutesDeps {
  integrations: ReadonlyMap<string, IntegrationRuntime>;
  audit: AuditLog;
  calls: RecentCalls;
  clock: Clock;
}

export function createIntegrationRoutes(deps: IntegrationRoutesDeps) {
  const names = [...deps.integrations.keys()].sort();
  const find = (name: string) => {
    const integration = deps.integrations.get(name);
    if (!integration)
      throw new AppError(
        404,
        'not_found',
        `No integration named "${name}". Known: ${names.join(', ') || 'none'}.`,
      );
    return integration;
  };
  const stateOf = (i: IntegrationRuntime): IntegrationState => {
    return {
      name: i.name,
      capability: i.config.capability ?? null,
      ...liveStateOf(i, deps.clock.now()),
      retryBudget: i.budget.snapshot(),
      policies: i.policies,
      operations: [...i.operations.values()].map((op) => ({
        name: op.name,
        method: op.config.method,
        path: op.config.path,
        ...(op.config.fallback && { fallback: op.config.fallback }),
      })),
    };
  };

  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(listIntegrations, (c) => {
      c.header('vary', 'Accept-Encoding');
      const { limit, cursor } = c.req.valid('query');
      const from = cursor === undefined ? 0 : names.findIndex((n) => n > cursor);
      const page = from === -1 ? [] : names.slice(from, from + limit);
      const last = page.at(-1);
      const more = last !== undefined && names.indexOf(last) < names.length - 1;
      return c.json(
        { items: page.map((n) => stateOf(find(n))), nextCursor: more ? (last ?? null) : null },
        200,
      );
    })
    .openapi(getIntegration, (c) => c.json(stateOf(find(c.req.valid('param').name)), 200))
    .openapi(controlBreaker, async (c) => {
      const integration = find(c.req.valid('param').name);
      const { action } = c.req.valid('json');
      const from = integration.breaker.snapshot();
      if (action === 'force-open') integration.breaker.forceOpen();
      else if (action === 'force-closed') integration.breaker.forceClosed();
      else integration.breaker.release();
      await deps.audit.record({
        action: 'breaker.forced',
        actor: principalOf(c).username,
        ip: c.get('clientIp'),
        target: `integration:${integration.name}`,
        details: { action, from: { state: from.state, forced: from.forced } },
      });
      return c.json(stateOf(integration), 200);
    })
    .openapi(listCalls, (c) => {
      const { since, integration, limit } = c.req.valid('query');
      if (integration !== undefined) find(integration);
      c.header('vary', 'Accept-Encoding');
      return c.json(
        deps.calls.list({
          limit,
          ...(since !== undefined && { since }),
          ...(integration !== undefined && { integration }),
        }),
        200,
      );
    });
}
