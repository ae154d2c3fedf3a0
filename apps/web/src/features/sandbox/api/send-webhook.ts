// Has the sandbox CRM send a webhook (well signed, or broken on purpose) to the BFF's own endpoint.
import {
  SandboxWebhookResultSchema,
  type SandboxWebhookRequest,
  type SandboxWebhookResult,
} from '@switchboard/shared/sandbox';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { webhookKeys } from '../../webhooks/api/get-webhook-log';

export function sendWebhook(
  api: ApiClient,
  request: SandboxWebhookRequest,
): Promise<SandboxWebhookResult> {
  return api.request('/api/sandbox/webhooks', SandboxWebhookResultSchema, {
    method: 'POST',
    body: request,
  });
}

export function useSendWebhook() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: SandboxWebhookRequest) => sendWebhook(api, request),
    // The delivery is in the log now, accepted or refused.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhookKeys.all }),
  });
}
