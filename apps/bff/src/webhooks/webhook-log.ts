// The port for the inbound webhook log: every delivery, accepted or not, without secrets or bodies.
import type { WebhookLogEntry } from '@switchboard/shared/queue';

export interface WebhookLog {
  append(entry: Omit<WebhookLogEntry, 'id' | 'triggered'>): Promise<void>;
  /** Records what processing the delivery of job `jobId` triggered (shown in the log). */
  setTriggered(jobId: string, triggered: string): Promise<void>;
  /** Newest first. */
  list(filter: { source?: string; limit: number }): Promise<WebhookLogEntry[]>;
}
