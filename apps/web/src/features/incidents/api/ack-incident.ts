// Acknowledging an incident (operators): someone is on it.
import { IncidentSchema, type Incident } from '@switchboard/shared/alerts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { incidentKeys } from './get-incidents';

export function ackIncident(api: ApiClient, id: number): Promise<Incident> {
  return api.request(`/api/incidents/${id}/ack`, IncidentSchema, { method: 'POST' });
}

export function useAckIncident() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (incident: Incident) => ackIncident(api, incident.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: incidentKeys.all }),
  });
}
