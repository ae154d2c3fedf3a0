// Every provider back to healthy defaults, side-effect counters zeroed.
import { SandboxProviderListSchema, type SandboxProviderList } from '@switchboard/shared/sandbox';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { sandboxKeys } from './sandbox-keys';

export function resetSandbox(api: ApiClient): Promise<SandboxProviderList> {
  return api.request('/api/sandbox/reset', SandboxProviderListSchema, { method: 'POST' });
}

export function useResetSandbox() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => resetSandbox(api),
    onSuccess: (listing) => queryClient.setQueryData(sandboxKeys.providers, listing),
  });
}
