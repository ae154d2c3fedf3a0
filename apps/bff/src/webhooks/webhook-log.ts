// The port for the inbound webhook log: every delivery, accepted or not, without secrets or bodies.
import type { WebhookLogEntry } from '@switchboard/shared/queue';

export interface WebhookLog {
  append(entry: Omit<WebhookLogEntry, 'id'>): Promise<void>;
  /** Newest first. */
  list(filter: { source?: string; limit: number }): Promise<WebhookLogEntry[]>;
}
