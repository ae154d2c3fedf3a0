// The embedded job store's idempotency-key index, in memory (decision 035). A unique SQLite index
// on sender-chosen keys (a webhook's random delivery id) put every job on a random page of that
// index: a 4 KB WAL frame and ≈ 17–25 µs of CPU per job (bench/RESULTS.md, ingest8 and ingest9).
// The rows stay the durable record: the index is rebuilt from them when the store opens, so a key
// is recognised after a restart for as long as its job's row exists, exactly as with the unique
// index. It maps a 30-bit hash of (type, key) to the rowids of the rows with that hash; a lookup
// reads those rows and compares the key itself, so a hash collision or an entry left behind by a
// rolled-back insert can never make a new key look like a duplicate. It is only right while this
// process is the only writer of the database (the embedded queue's rule; see decision 035).

/** Reads the type, key and job id of a row; undefined when the row is gone. */
export type KeyedRowReader = (
  rowid: number,
) => { type: string; key: string | null; id: string } | undefined;

export interface JobKeyIndex {
  /** The id of the job of `type` holding `key`, if one exists. */
  find(type: string, key: string): string | undefined;
  /** Records that row `rowid` holds `key` (call right after inserting it). */
  add(type: string, key: string, rowid: number): void;
  /** Forgets row `rowid` (call when it is deleted). */
  remove(type: string, key: string, rowid: number): void;
  /** Distinct hashes held (for tests and diagnostics). */
  readonly size: number;
}

/**
 * FNV-1a over the type, a separator and the key, folded into V8's small-integer range (31-bit
 * signed with pointer compression) so Map keys are stored inline, without a heap number each.
 */
export function jobKeyHash(type: string, key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < type.length; i += 1) h = Math.imul(h ^ type.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0, 0x01000193);
  for (let i = 0; i < key.length; i += 1) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >> 2;
}

/**
 * @example
 * const keys = createJobKeyIndex(readRow);
 * for (const r of rowsWithKeys) keys.add(r.type, r.key, r.rowid);
 * keys.find('webhook.process', 'billing:evt_1'); // the job id, or undefined
 */
export function createJobKeyIndex(read: KeyedRowReader): JobKeyIndex {
  // One rowid per hash almost always; an array only where hashes collide.
  const rows = new Map<number, number | number[]>();
  return {
    find(type, key) {
      const held = rows.get(jobKeyHash(type, key));
      if (held === undefined) return undefined;
      for (const rowid of typeof held === 'number' ? [held] : held) {
        const row = read(rowid);
        if (row && row.type === type && row.key === key) return row.id;
      }
      return undefined;
    },
    add(type, key, rowid) {
      const h = jobKeyHash(type, key);
      const held = rows.get(h);
      if (held === undefined) rows.set(h, rowid);
      else if (typeof held === 'number') {
        if (held !== rowid) rows.set(h, [held, rowid]);
      } else if (!held.includes(rowid)) held.push(rowid);
    },
    remove(type, key, rowid) {
      const h = jobKeyHash(type, key);
      const held = rows.get(h);
      if (held === rowid) rows.delete(h);
      else if (Array.isArray(held)) {
        const rest = held.filter((r) => r !== rowid);
        if (rest.length === 0) rows.delete(h);
        else rows.set(h, rest.length === 1 ? (rest[0] as number) : rest);
      }
    },
    get size() {
      return rows.size;
    },
  };
}
