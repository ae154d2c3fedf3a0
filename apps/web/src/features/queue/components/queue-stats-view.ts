// The job statuses in the order the queue page shows them.
import type { JobStatus, QueueStats } from '@switchboard/shared/queue';

export type { QueueStats };

export const jobStatuses = [
  'queued',
  'running',
  'succeeded',
  'dead',
  'discarded',
] as const satisfies readonly JobStatus[];
