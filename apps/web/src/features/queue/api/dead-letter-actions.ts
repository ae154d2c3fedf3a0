// What operators do with dead letters: replay (with a dry run that counts), edit a payload (the
// server answers with the diff it audited), discard with a reason. Each refreshes the lists.
import {
  DiscardResultSchema,
  EditPayloadResultSchema,
  ReplayResultSchema,
  type DeadLetterSelection,
  type ReplayResult,
} from '@switchboard/shared/queue';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { queueKeys } from './queue-keys';

export type EditPayloadResult = z.infer<typeof EditPayloadResultSchema>;
export type DiscardResult = z.infer<typeof DiscardResultSchema>;

export function replayDeadLetters(
  api: ApiClient,
  selection: DeadLetterSelection,
  dryRun: boolean,
): Promise<ReplayResult> {
  return api.request('/api/dead-letters/replay', ReplayResultSchema, {
    method: 'POST',
    body: { selection, dryRun },
  });
}

export function editPayload(
  api: ApiClient,
  id: string,
  payload: unknown,
): Promise<EditPayloadResult> {
  return api.request(
    `/api/dead-letters/${encodeURIComponent(id)}/payload`,
    EditPayloadResultSchema,
    {
      method: 'PUT',
      body: { payload },
    },
  );
}

export function discardDeadLetters(
  api: ApiClient,
  selection: DeadLetterSelection,
  reason: string,
): Promise<DiscardResult> {
  return api.request('/api/dead-letters/discard', DiscardResultSchema, {
    method: 'POST',
    body: { selection, reason },
  });
}

function useRefreshQueue() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: queueKeys.all });
}

/** A dry run changes nothing, so only a real replay refreshes the lists. */
export function useReplay() {
  const api = useApi();
  const refresh = useRefreshQueue();
  return useMutation({
    mutationFn: ({ selection, dryRun }: { selection: DeadLetterSelection; dryRun: boolean }) =>
      replayDeadLetters(api, selection, dryRun),
    onSuccess: (result) => (result.dryRun ? undefined : refresh()),
  });
}

export function useEditPayload() {
  const api = useApi();
  const refresh = useRefreshQueue();
  return useMutation({
    mutationFn: ({ id, payload }: { id: string; payload: unknown }) =>
      editPayload(api, id, payload),
    onSuccess: () => refresh(),
  });
}

export function useDiscard() {
  const api = useApi();
  const refresh = useRefreshQueue();
  return useMutation({
    mutationFn: ({ selection, reason }: { selection: DeadLetterSelection; reason: string }) =>
      discardDeadLetters(api, selection, reason),
    onSuccess: () => refresh(),
  });
}
