// The sandbox control API: read providers, inject faults into them at run time, read their side
// effects, and set the demo traffic rate.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  ProviderFaultsPatchSchema,
  SandboxProviderListSchema,
  SandboxProviderSchema,
  SandboxWebhookRequestSchema,
  SandboxWebhookResultSchema,
  SideEffectsSchema,
  TrafficRateSchema,
} from '@switchboard/shared/sandbox';
import { NameSchema } from '@switchboard/shared/upstreams';
import type { AppEnv } from '../http/app-env';
import { AppError } from '../http/app-error';
import { validationHook } from '../http/errors';
import { errorContent, jsonBody } from '../http/openapi';
import type { Sandbox } from './sandbox';
import type { TrafficControl } from './traffic';

const listProviders = createRoute({
  method: 'get',
  path: '/api/sandbox/providers',
  summary: 'List the simulated providers with their current faults',
  responses: {
    200: {
      description: 'Providers',
      content: { 'application/json': { schema: SandboxProviderListSchema } },
    },
  },
});

const updateProvider = createRoute({
  method: 'patch',
  path: '/api/sandbox/providers/{name}',
  summary:
    "Change a provider's faults: latency, errors, 429s, hangs, resets, malformed or slow bodies",
  request: {
    params: z.object({ name: NameSchema }),
    body: {
      required: true,
      content: { 'application/json': { schema: ProviderFaultsPatchSchema } },
    },
  },
  responses: {
    200: {
      description: 'The provider after the change',
      content: { 'application/json': { schema: SandboxProviderSchema } },
    },
    400: errorContent('Invalid faults'),
    404: errorContent('No such provider'),
    415: errorContent('Body is not JSON'),
  },
});

const resetProviders = createRoute({
  method: 'post',
  path: '/api/sandbox/reset',
  summary: 'Return every provider to healthy defaults and zero its side-effect counters',
  responses: {
    200: {
      description: 'Providers',
      content: { 'application/json': { schema: SandboxProviderListSchema } },
    },
  },
});

const providerEffects = createRoute({
  method: 'get',
  path: '/api/sandbox/providers/{name}/effects',
  summary: 'Side effects a provider performed, in total and per Idempotency-Key',
  request: { params: z.object({ name: NameSchema }) },
  responses: {
    200: {
      description: 'Side-effect counters',
      content: { 'application/json': { schema: SideEffectsSchema } },
    },
    400: errorContent('Invalid provider name'),
    404: errorContent('No such provider'),
  },
});

const trafficJson = (description: string) => ({
  description,
  content: { 'application/json': { schema: TrafficRateSchema } },
});

const getTraffic = createRoute({
  method: 'get',
  path: '/api/sandbox/traffic',
  summary: 'The rate at which the traffic generator runs the overview',
  responses: {
    200: trafficJson('Current rate'),
    404: errorContent('No traffic generator runs'),
  },
});

const setTraffic = createRoute({
  method: 'put',
  path: '/api/sandbox/traffic',
  summary: 'Change the traffic generator rate at once (0 pauses it)',
  request: {
    body: jsonBody(TrafficRateSchema),
  },
  responses: {
    200: trafficJson('The rate now in force'),
    400: errorContent('Invalid rate'),
    404: errorContent('No traffic generator runs'),
    415: errorContent('Body is not JSON'),
  },
});

const sendWebhook = createRoute({
  method: 'post',
  path: '/api/sandbox/webhooks',
  summary:
    "Have the sandbox CRM send a signed webhook to this BFF's POST /webhooks/crm (or a broken one)",
  request: { body: jsonBody(SandboxWebhookRequestSchema) },
  responses: {
    200: {
      description: 'What the webhook endpoint answered',
      content: { 'application/json': { schema: SandboxWebhookResultSchema } },
    },
    400: errorContent('Invalid request'),
    415: errorContent('Body is not JSON'),
    503: errorContent('The BFF is not listening yet'),
  },
});

/**
 * @param options.traffic the generator to drive; without it the traffic routes answer 404.
 * @example app.route('/', createSandboxRoutes(sandbox, { traffic }));
 */
export function createSandboxRoutes(sandbox: Sandbox, options: { traffic?: TrafficControl } = {}) {
  const traffic = (): TrafficControl => {
    if (!options.traffic) {
      throw new AppError(
        404,
        'not_found',
        'No traffic generator runs (the catalog has no overview view).',
      );
    }
    return options.traffic;
  };
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(listProviders, (c) => c.json(sandbox.listing(), 200))
    .openapi(updateProvider, (c) =>
      c.json(sandbox.update(c.req.valid('param').name, c.req.valid('json')), 200),
    )
    .openapi(providerEffects, (c) => c.json(sandbox.effects(c.req.valid('param').name), 200))
    .openapi(resetProviders, (c) => {
      sandbox.reset();
      return c.json(sandbox.listing(), 200);
    })
    .openapi(getTraffic, (c) => c.json({ perSecond: traffic().perSecond() }, 200))
    .openapi(setTraffic, (c) => {
      const control = traffic();
      control.setPerSecond(c.req.valid('json').perSecond);
      return c.json({ perSecond: control.perSecond() }, 200);
    })
    .openapi(sendWebhook, async (c) =>
      c.json(await sandbox.webhooks.send(c.req.valid('json')), 200),
    );
}
