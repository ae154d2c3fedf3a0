// Injecting faults into one provider (operators); every change is audited by the BFF.
import {
  SandboxProviderSchema,
  type ProviderFaultsPatch,
  type SandboxProvider,
} from '@switchboard/shared/sandbox';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { sandboxKeys } from './sandbox-keys';

export function updateProvider(
  api: ApiClient,
  name: string,
  patch: ProviderFaultsPatch,
): Promise<SandboxProvider> {
  return api.request(`/api/sandbox/providers/${encodeURIComponent(name)}`, SandboxProviderSchema, {
    method: 'PATCH',
    body: patch,
  });
}

export function useUpdateProvider() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ name, patch }: { name: string; patch: ProviderFaultsPatch }) =>
      updateProvider(api, name, patch),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sandboxKeys.providers }),
  });
}
