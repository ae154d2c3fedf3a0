// Dead letters: issues (grouped), the letters of one issue, one letter with its attempts.
import {
  DeadLetterIssueListSchema,
  DeadLetterListSchema,
  JobSchema,
  type Job,
} from '@switchboard/shared/queue';
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { ApiClient } from '../../../lib/api-client';
import { useApi } from '../../../lib/api-context';
import { queueKeys } from './queue-keys';

type IssueList = z.infer<typeof DeadLetterIssueListSchema>;

const init = (signal?: AbortSignal) => (signal ? { signal } : {});

export function getIssues(api: ApiClient, signal?: AbortSignal): Promise<IssueList> {
  return api.request('/api/dead-letters/issues', DeadLetterIssueListSchema, init(signal));
}

export async function getDeadLetters(
  api: ApiClient,
  issue: string | null,
  signal?: AbortSignal,
): Promise<Job[]> {
  const query = new URLSearchParams({ limit: '200' });
  if (issue !== null) query.set('issue', issue);
  const list = await api.request(`/api/dead-letters?${query}`, DeadLetterListSchema, init(signal));
  return list.items;
}

export function getDeadLetter(api: ApiClient, id: string, signal?: AbortSignal): Promise<Job> {
  return api.request(`/api/dead-letters/${encodeURIComponent(id)}`, JobSchema, init(signal));
}

/** New dead letters arrive while the page is open; a few seconds late is fine. */
const refreshMs = 5_000;

export const issuesQueryOptions = (api: ApiClient) =>
  queryOptions({
    queryKey: queueKeys.issues,
    queryFn: ({ signal }) => getIssues(api, signal),
    refetchInterval: refreshMs,
  });

export const deadLettersQueryOptions = (api: ApiClient, issue: string | null) =>
  queryOptions({
    queryKey: queueKeys.list(issue),
    queryFn: ({ signal }) => getDeadLetters(api, issue, signal),
    refetchInterval: refreshMs,
  });

export const deadLetterQueryOptions = (api: ApiClient, id: string) =>
  queryOptions({
    queryKey: queueKeys.detail(id),
    queryFn: ({ signal }) => getDeadLetter(api, id, signal),
  });

export function useIssues() {
  return useQuery(issuesQueryOptions(useApi()));
}

export function useDeadLetters(issue: string | null) {
  return useQuery(deadLettersQueryOptions(useApi(), issue));
}

export function useDeadLetter(id: string) {
  return useQuery(deadLetterQueryOptions(useApi(), id));
}
