// The port for the inbound webhook log: every delivery, accepted or not, without secrets or bodies.
import type { WebhookLogEntry } from '@switchboard/shared/queue';
import type { EnqueueResult } from '../queue/queue';

/** An accepted delivery's line, as known before its job is queued. */
export type AcceptedDelivery = Pick<
  WebhookLogEntry,
  'at' | 'source' | 'deliveryId' | 'eventType' | 'bodyBytes'
>;

export interface WebhookLog {
  /** A line of its own: rejected deliveries (with the reason), and duplicates. */
  append(entry: Omit<WebhookLogEntry, 'id' | 'triggered'>): Promise<void>;
  /** Records what processing the delivery of job `jobId` triggered (shown in the log). */
  setTriggered(jobId: string, triggered: string): Promise<void>;
  /**
   * Queues a verified delivery's job through `enqueue` and logs it: `accepted` when the job was
   * created, `duplicate` (with the first job's id) when its idempotency key matched. Resolves with
   * the enqueue's result once the job and its line are durable. `enqueue` is given the text to pass
   * as the job's `origin`: the embedded log keeps an accepted delivery's line on its job row (one
   * row per delivery, decision 035) and reads it back from there.
   */
  appendEnqueued(
    delivery: AcceptedDelivery,
    enqueue: (origin: string) => Promise<EnqueueResult>,
  ): Promise<EnqueueResult>;
  /**
   * Deletes up to `limit` of the oldest lines of their own written before `before` (retention);
   * returns how many. Stops at the first line written later, so a line from a skewed clock waits
   * its turn. Lines kept on job rows go with their jobs (the jobs' retention).
   */
  prune(before: number, limit: number): Promise<number>;
  /** Newest first. */
  list(filter: { source?: string; limit: number }): Promise<WebhookLogEntry[]>;
}
