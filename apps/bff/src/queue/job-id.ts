// Job ids: UUID version 7 (RFC 9562), time-ordered. The embedded store keys its jobs, and the
// webhook log its lines' job, by id: a random UUID lands every new job on a random page of those
// indexes (a whole page written to the WAL per job), a time-ordered one on the last page, which a
// group commit's jobs share (bench/RESULTS.md, ingest7).

let lastMs = -1;
let lastPrefix = '';

/**
 * `tttttttt-tttt-7rrr-vrrr-rrrrrrrrrrrr`: 48 bits of epoch milliseconds, then 74 random bits (the
 * random UUID's, whose version digit is replaced). Unique as a random UUID is, within a
 * millisecond.
 * @example timeOrderedId(Date.now()); // '019aabc1-2f3e-7a1b-9c2d-3e4f5a6b7c8d'
 */
export function timeOrderedId(epochMs: number): string {
  const ms = Math.max(0, Math.min(Math.floor(epochMs), 0xffffffffffff));
  // Jobs of one millisecond share its formatted prefix (a batch of deliveries often does).
  if (ms !== lastMs) {
    const time = ms.toString(16).padStart(12, '0');
    lastMs = ms;
    lastPrefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
  }
  // randomUUID: xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx; from index 15 on, its random part.
  return lastPrefix + crypto.randomUUID().slice(15);
}
