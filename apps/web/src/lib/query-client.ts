// The console's one TanStack Query client.
import { QueryClient } from '@tanstack/react-query';
import { isApiError } from './api-client';

/** A 4xx will answer the same again (a 401 was already renewed and retried by the API client). */
const worthRetrying = (failures: number, error: unknown) =>
  failures < 1 && !(isApiError(error) && error.status >= 400 && error.status < 500);

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: worthRetrying, refetchOnWindowFocus: true, staleTime: 1_000 },
      mutations: { retry: false },
    },
  });
}
