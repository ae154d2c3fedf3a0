// The port for idempotency records: one per (scope, key), holding the request's fingerprint and,
// once the handler finished, its response for replay.

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type BeginResult =
  /** No live record: this request owns the key now and must `complete` or `release` it. */
  | { state: 'started' }
  /** Another request with this key is still running. */
  | { state: 'in_flight'; fingerprint: string }
  | { state: 'done'; fingerprint: string; response: StoredResponse };

export interface IdempotencyStore {
  /**
   * Atomically claims the key unless a live (unexpired) record holds it. `expiresAt` bounds the
   * claim while the request runs: a process that died mid-request leaves a claim that lapses then.
   */
  begin(
    scope: string,
    key: string,
    fingerprint: string,
    now: number,
    expiresAt: number,
  ): Promise<BeginResult>;
  /** Stores the response, kept until `expiresAt`. */
  complete(scope: string, key: string, response: StoredResponse, expiresAt: number): Promise<void>;
  /** Forgets the key (the handler failed in a way worth retrying). */
  release(scope: string, key: string): Promise<void>;
  /** Deletes expired records (at most `limit` when given); returns how many. */
  prune(now: number, limit?: number): Promise<number>;
}
