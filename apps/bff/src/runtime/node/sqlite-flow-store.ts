// The embedded FlowStore: one row per run in the main database, the run's step states as JSON.
// WAL with synchronous=NORMAL: a run survives a process crash; the work itself is in queue.db (FULL),
// and flow recovery re-derives what a power loss could drop (see decision 013).
import { FlowRunSchema, type FlowRun } from '@switchboard/shared/flows';
import type { FlowStore } from '../../flows/flow-store';
import type { SqliteDatabase } from './sqlite';
import { asyncPort, type Sync } from './sync-port';

const schema = `
CREATE TABLE IF NOT EXISTS flow_runs (
  id TEXT PRIMARY KEY,
  flow TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flow_runs_created ON flow_runs (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS flow_runs_status ON flow_runs (status, created_at DESC, id DESC);
`;

interface Row {
  doc: string;
}

/** @example const flows = createSqliteFlowStore(openDatabase('.data')); */
export function createSqliteFlowStore(db: SqliteDatabase): FlowStore {
  db.exec(schema);
  const q = {
    insert: db.prepare(
      `INSERT INTO flow_runs (id, flow, status, created_at, updated_at, doc)
       VALUES (@id, @flow, @status, @createdAt, @updatedAt, @doc) ON CONFLICT DO NOTHING`,
    ),
    get: db.prepare<[string], Row>('SELECT doc FROM flow_runs WHERE id = ?'),
    write: db.prepare(
      'UPDATE flow_runs SET status = @status, updated_at = @updatedAt, doc = @doc WHERE id = @id',
    ),
    list: db.prepare<
      {
        status: string | null;
        flow: string | null;
        createdAt: number | null;
        id: string;
        limit: number;
      },
      Row
    >(
      `SELECT doc FROM flow_runs
       WHERE (@status IS NULL OR status = @status) AND (@flow IS NULL OR flow = @flow)
         AND (@createdAt IS NULL OR created_at < @createdAt OR (created_at = @createdAt AND id < @id))
       ORDER BY created_at DESC, id DESC LIMIT @limit`,
    ),
    // Per status, so each walks flow_runs_status by creation time and stops at the limit.
    pruneFinished: db.prepare<{ before: number; limit: number }>(
      `DELETE FROM flow_runs WHERE rowid IN (
         SELECT rowid FROM flow_runs WHERE status = 'succeeded' AND created_at < @before AND updated_at < @before
         UNION ALL
         SELECT rowid FROM flow_runs WHERE status = 'failed' AND created_at < @before AND updated_at < @before
         UNION ALL
         SELECT rowid FROM flow_runs WHERE status = 'compensated' AND created_at < @before AND updated_at < @before
         LIMIT @limit)`,
    ),
    unfinished: db.prepare<{ before: number; createdAt: number; id: string; limit: number }, Row>(
      `SELECT doc FROM flow_runs WHERE status IN ('running', 'compensating') AND created_at < @before
         AND (created_at > @createdAt OR (created_at = @createdAt AND id > @id))
       ORDER BY created_at, id LIMIT @limit`,
    ),
  };
  // Written only through this store: a parse failure means a corrupted database.
  const parse = (row: Row | undefined) =>
    row && FlowRunSchema.parse(JSON.parse(row.doc) as unknown);
  const update = db.transaction((id: string, change: (run: FlowRun) => FlowRun | undefined) => {
    const current = parse(q.get.get(id));
    if (!current) return undefined;
    const next = change(current);
    if (!next) return current;
    q.write.run({ id, status: next.status, updatedAt: next.updatedAt, doc: JSON.stringify(next) });
    return next;
  });
  const store: Sync<FlowStore> = {
    create(run) {
      const created =
        q.insert.run({
          id: run.id,
          flow: run.flow,
          status: run.status,
          createdAt: run.createdAt,
          updatedAt: run.updatedAt,
          doc: JSON.stringify(run),
        }).changes > 0;
      if (created) return { run, created };
      const stored = parse(q.get.get(run.id));
      if (!stored) throw new Error(`flow run ${run.id} could not be stored`);
      return { run: stored, created };
    },
    get: (id) => parse(q.get.get(id)),
    update: (id, change) => update(id, change),
    list: ({ status, flow, limit, before }) =>
      q.list
        .all({
          status: status ?? null,
          flow: flow ?? null,
          createdAt: before?.createdAt ?? null,
          id: before?.id ?? '',
          limit,
        })
        .map((row) => FlowRunSchema.parse(JSON.parse(row.doc) as unknown)),
    pruneFinished: (before, limit) => q.pruneFinished.run({ before, limit }).changes,
    unfinished: (before, after, limit) =>
      q.unfinished
        .all({ before, createdAt: after?.createdAt ?? -1, id: after?.id ?? '', limit })
        .map((row) => FlowRunSchema.parse(JSON.parse(row.doc) as unknown)),
  };
  return asyncPort(store);
}
