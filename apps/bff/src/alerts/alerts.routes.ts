// Incident API: the alert timeline (fired, resolved, acknowledged) and acknowledging an incident.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { IncidentListSchema, IncidentSchema } from '@switchboard/shared/alerts';
import { principalOf } from '../auth/guards';
import type { AppEnv } from '../http/app-env';
import { AppError } from '../http/app-error';
import { validationHook } from '../http/errors';
import { errorContent, jsonContent } from '../http/openapi';
import type { IncidentStore } from './incident-store';

const listIncidents = createRoute({
  method: 'get',
  path: '/api/incidents',
  summary: 'Incidents opened by alert rules, newest first',
  request: {
    query: z.object({
      status: z.enum(['open', 'all']).default('all'),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: {
    200: jsonContent(IncidentListSchema, 'Incidents'),
    400: errorContent('Invalid query'),
  },
});

const acknowledgeIncident = createRoute({
  method: 'post',
  path: '/api/incidents/{id}/ack',
  summary: 'Acknowledge an incident (operators): someone is on it',
  request: { params: z.object({ id: z.coerce.number().int().positive() }) },
  responses: {
    200: jsonContent(IncidentSchema, 'The incident, acknowledged (by whoever did it first)'),
    404: errorContent('No such incident'),
  },
});

export function createAlertRoutes(deps: { incidents: IncidentStore; now: () => number }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(listIncidents, async (c) => {
      const { status, limit } = c.req.valid('query');
      return c.json({ items: await deps.incidents.list({ open: status === 'open', limit }) }, 200);
    })
    .openapi(acknowledgeIncident, async (c) => {
      const { id } = c.req.valid('param');
      await deps.incidents.acknowledge(id, deps.now(), principalOf(c).username);
      const incident = await deps.incidents.get(id);
      if (!incident) throw new AppError(404, 'not_found', `No incident ${id}.`);
      return c.json(incident, 200);
    });
}
