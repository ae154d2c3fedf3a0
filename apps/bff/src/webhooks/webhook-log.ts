// The port for the inbound webhook log: every delivery, accepted or not, without secrets or bodies.
import type { WebhookLogEntry } from '@switchboard/shared/queue';
import type { EnqueueResult } from '../queue/queue';

export interface WebhookLog {
  append(entry: Omit<WebhookLogEntry, 'id' | 'triggered'>): Promise<void>;
  /** Records what processing the delivery of job `jobId` triggered (shown in the log). */
  setTriggered(jobId: string, triggered: string): Promise<void>;
  /**
   * Runs `enqueue` and appends the line made from its result; resolves (with the enqueue's result)
   * once both are durable. A store that shares a transaction with the queue commits the two
   * together (the embedded one: one commit per delivery instead of two in a row).
   */
  appendEnqueued(
    enqueue: () => Promise<EnqueueResult>,
    line: (job: EnqueueResult) => Omit<WebhookLogEntry, 'id' | 'triggered'>,
  ): Promise<EnqueueResult>;
  /**
   * Deletes up to `limit` of the oldest lines written before `before` (retention); returns how
   * many. Stops at the first line written later, so a line from a skewed clock waits its turn.
   */
  prune(before: number, limit: number): Promise<number>;
  /** Newest first. */
  list(filter: { source?: string; limit: number }): Promise<WebhookLogEntry[]>;
}
