// The embedded ControlStore: operator controls per integration in the main SQLite database.
import {
  SavedControlsSchema,
  type ControlStore,
  type SavedControls,
} from '../../integrations/control-store';
import type { SqliteDatabase } from './sqlite';

const schema = `
CREATE TABLE IF NOT EXISTS integration_controls (
  integration TEXT PRIMARY KEY,
  controls TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

/** @example const controls = createSqliteControlStore(openDatabase('.data')); */
export function createSqliteControlStore(
  db: SqliteDatabase,
  now: () => number = Date.now,
): ControlStore {
  db.exec(schema);
  const q = {
    all: db.prepare<[], { integration: string; controls: string }>(
      'SELECT integration, controls FROM integration_controls',
    ),
    upsert: db.prepare<[string, string, number]>(
      `INSERT INTO integration_controls (integration, controls, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (integration) DO UPDATE SET controls = excluded.controls, updated_at = excluded.updated_at`,
    ),
  };
  return {
    load() {
      const saved = new Map<string, SavedControls>();
      for (const row of q.all.all()) {
        // A row another version wrote in a shape this one does not know is skipped, not fatal.
        const parsed = SavedControlsSchema.safeParse(JSON.parse(row.controls));
        if (parsed.success) saved.set(row.integration, parsed.data);
      }
      return Promise.resolve(saved);
    },
    save(integration, controls) {
      q.upsert.run(integration, JSON.stringify(controls), now());
      return Promise.resolve();
    },
  };
}
