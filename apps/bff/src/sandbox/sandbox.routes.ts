// The sandbox control API: read providers and inject faults into them at run time.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import {
  ProviderFaultsPatchSchema,
  SandboxProviderListSchema,
  SandboxProviderSchema,
} from '@switchboard/shared/sandbox';
import { NameSchema } from '@switchboard/shared/upstreams';
import type { AppEnv } from '../http/app-env';
import { validationHook } from '../http/errors';
import type { Sandbox } from './sandbox';

const errorJson = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBodySchema } },
});

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
  summary: "Change a provider's faults (latency, jitter, failure rate)",
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
    400: errorJson('Invalid faults'),
    404: errorJson('No such provider'),
    415: errorJson('Body is not JSON'),
  },
});

const resetProviders = createRoute({
  method: 'post',
  path: '/api/sandbox/reset',
  summary: 'Return every provider to healthy defaults',
  responses: {
    200: {
      description: 'Providers',
      content: { 'application/json': { schema: SandboxProviderListSchema } },
    },
  },
});

export function createSandboxRoutes(sandbox: Sandbox) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(listProviders, (c) => c.json({ providers: sandbox.list() }, 200))
    .openapi(updateProvider, (c) =>
      c.json(sandbox.update(c.req.valid('param').name, c.req.valid('json')), 200),
    )
    .openapi(resetProviders, (c) => {
      sandbox.reset();
      return c.json({ providers: sandbox.list() }, 200);
    });
}
