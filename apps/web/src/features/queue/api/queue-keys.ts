// Query keys for the queue and dead-letter pages, so actions invalidate exactly what they change.
export const queueKeys = {
  all: ['queue'] as const,
  stats: ['queue', 'stats'] as const,
  deadLetters: ['queue', 'dead-letters'] as const,
  issues: ['queue', 'dead-letters', 'issues'] as const,
  list: (issue: string | null) => ['queue', 'dead-letters', 'list', issue] as const,
  detail: (id: string) => ['queue', 'dead-letters', 'detail', id] as const,
};
