// Operator API for integrations: their live state and effective policies; breaker, kill switch and
// provider switch controls (audited, and published as events); recent calls.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  BreakerActionSchema,
  IntegrationListSchema,
  IntegrationStateSchema,
  KillSwitchActionSchema,
  ProviderSwitchSchema,
  RecentCallListSchema,
  type IntegrationState,
} from '@switchboard/shared/integrations';
import { NameSchema } from '@switchboard/shared/upstreams';
import type { AuditLog } from '../auth/audit';
import { controlsOf, type ControlStore } from './control-store';
import type { EventBus } from '../events/event-bus';
import { principalOf } from '../auth/guards';
import type { AppEnv } from '../http/app-env';
import { AppError } from '../http/app-error';
import { validationHook } from '../http/errors';
import { errorContent, jsonBody, jsonContent } from '../http/openapi';
import type { RecentCalls } from '../metrics/recent-calls';
import type { Clock } from '../resilience/clock';
import type { IntegrationRuntime, UpstreamEngine } from '../upstreams/upstream-engine';

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
  summary:
    "Force an integration's breaker open (isolate) or closed, release it to automatic, or reset its counts",
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

const killSwitch = createRoute({
  method: 'post',
  path: '/api/integrations/{name}/kill-switch',
  summary:
    'Disable an integration (every call fails fast with kind `disabled`, no request is sent) or enable it again',
  request: { params: nameParam, body: jsonBody(KillSwitchActionSchema) },
  responses: {
    200: jsonContent(IntegrationStateSchema, 'The integration after the change'),
    400: errorContent('Invalid action'),
    404: errorContent('No such integration'),
  },
});

const switchProvider = createRoute({
  method: 'post',
  path: '/api/integrations/{name}/provider',
  summary:
    'Pin an integration (or one operation) to its backup provider, or give the choice back to the breaker',
  request: { params: nameParam, body: jsonBody(ProviderSwitchSchema) },
  responses: {
    200: jsonContent(IntegrationStateSchema, 'The integration after the change'),
    400: errorContent('Invalid switch'),
    404: errorContent('No such integration or operation'),
    409: errorContent('The integration or operation has no backup provider'),
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
  engine: UpstreamEngine;
  bus: EventBus;
  /** Epoch milliseconds, for event timestamps. */
  wallNow: () => number;
  audit: AuditLog;
  calls: RecentCalls;
  clock: Clock;
  /** Where operator controls are kept so they outlive a restart. */
  controls: ControlStore;
}

export function createIntegrationRoutes(deps: IntegrationRoutesDeps) {
  const { engine } = deps;
  const names = [...engine.integrations.keys()].sort();
  const find = (name: string) => {
    const integration = engine.integrations.get(name);
    if (!integration)
      throw new AppError(
        404,
        'not_found',
        `No integration named "${name}". Known: ${names.join(', ') || 'none'}.`,
      );
    return integration;
  };
  const stateOf = (i: IntegrationRuntime): IntegrationState => {
    const b = i.breaker.snapshot();
    const limiter = i.limiter.snapshot();
    return {
      name: i.name,
      capability: i.config.capability ?? null,
      controls: { enabled: i.controls.enabled, provider: i.controls.provider },
      breaker: {
        state: b.state,
        forced: b.forced,
        mode: b.mode,
        consecutiveFailures: b.consecutiveFailures,
        windowCalls: b.windowCalls,
        windowFailures: b.windowFailures,
        windowSlow: b.windowSlow,
        failureRatio: b.failureRatio,
        distanceToTrip: b.distanceToTrip,
      },
      bulkhead: i.bulkhead.snapshot(),
      rateLimit: {
        perSecond: limiter.perSecond,
        headroom: limiter.headroom,
        blockedForMs: Math.max(0, (limiter.blockedUntil ?? 0) - deps.clock.now()),
      },
      retryBudget: i.budget.snapshot(),
      policies: i.policies,
      operations: [...i.operations.values()].map((op) => {
        const provider = engine.providerOf(i, op.name);
        return {
          name: op.name,
          method: op.config.method,
          path: op.config.path,
          ...(op.config.fallback && { fallback: op.config.fallback }),
          ...(provider && { provider }),
        };
      }),
    };
  };

  const publishControl = (
    i: IntegrationRuntime,
    control: 'kill-switch' | 'provider',
    actor: string,
    operation?: string,
  ) =>
    deps.bus.publish({
      type: 'integration.control',
      at: deps.wallNow(),
      integration: i.name,
      control,
      enabled: i.controls.enabled,
      provider:
        operation === undefined
          ? i.controls.provider
          : (engine.providerOf(i, operation) ?? 'automatic'),
      ...(operation !== undefined && { operation }),
      actor,
    });

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
      else if (action === 'release') integration.breaker.release();
      else integration.breaker.reset();
      await deps.controls.save(integration.name, controlsOf(integration));
      await deps.audit.record({
        action: 'breaker.forced',
        actor: principalOf(c).username,
        ip: c.get('clientIp'),
        target: `integration:${integration.name}`,
        details: { action, from: { state: from.state, forced: from.forced } },
      });
      return c.json(stateOf(integration), 200);
    })
    .openapi(killSwitch, async (c) => {
      const integration = find(c.req.valid('param').name);
      const { action } = c.req.valid('json');
      const wasEnabled = integration.controls.enabled;
      engine.setEnabled(integration.name, action === 'enable');
      await deps.controls.save(integration.name, controlsOf(integration));
      const actor = principalOf(c).username;
      await deps.audit.record({
        action: 'integration.toggled',
        actor,
        ip: c.get('clientIp'),
        target: `integration:${integration.name}`,
        details: { action, from: { enabled: wasEnabled } },
      });
      publishControl(integration, 'kill-switch', actor);
      return c.json(stateOf(integration), 200);
    })
    .openapi(switchProvider, async (c) => {
      const integration = find(c.req.valid('param').name);
      const { mode, operation } = c.req.valid('json');
      if (operation !== undefined && !integration.operations.has(operation))
        throw new AppError(
          404,
          'not_found',
          `${integration.name} has no operation "${operation}". Known: ${[...integration.operations.keys()].join(', ')}.`,
        );
      const before =
        operation === undefined
          ? integration.controls.provider
          : engine.providerOf(integration, operation);
      try {
        engine.setProvider(integration.name, mode, operation);
      } catch (err) {
        throw new AppError(409, 'conflict', (err as Error).message, { cause: err });
      }
      await deps.controls.save(integration.name, controlsOf(integration));
      const actor = principalOf(c).username;
      await deps.audit.record({
        action: 'provider.switched',
        actor,
        ip: c.get('clientIp'),
        target: `integration:${integration.name}`,
        details: { mode, ...(operation !== undefined && { operation }), from: before ?? null },
      });
      publishControl(integration, 'provider', actor, operation);
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
