// The embedded IncidentStore: the alert incident timeline in SQLite.
import type { Incident } from '@switchboard/shared/alerts';
import type { IncidentStore } from '../../alerts/incident-store';
import type { SqliteDatabase } from './sqlite';

const schema = `
CREATE TABLE IF NOT EXISTS incidents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rule TEXT NOT NULL,
  integration TEXT NOT NULL,
  severity TEXT NOT NULL,
  message TEXT NOT NULL,
  fired_at INTEGER NOT NULL,
  resolved_at INTEGER,
  acknowledged_at INTEGER,
  acknowledged_by TEXT
);
CREATE INDEX IF NOT EXISTS incidents_open ON incidents (resolved_at, id);
`;

interface Row {
  id: number;
  rule: string;
  integration: string;
  severity: string;
  message: string;
  fired_at: number;
  resolved_at: number | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
}

const toIncident = (r: Row): Incident => ({
  id: r.id,
  rule: r.rule,
  integration: r.integration,
  severity: r.severity === 'critical' ? 'critical' : 'warning',
  message: r.message,
  firedAt: r.fired_at,
  resolvedAt: r.resolved_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
});

/** @example const incidents = createSqliteIncidentStore(openDatabase('.data')); */
export function createSqliteIncidentStore(db: SqliteDatabase): IncidentStore {
  db.exec(schema);
  const q = {
    insert: db.prepare(
      'INSERT INTO incidents (rule, integration, severity, message, fired_at) VALUES (@rule, @integration, @severity, @message, @firedAt)',
    ),
    resolve: db.prepare<[number, number]>(
      'UPDATE incidents SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL',
    ),
    ack: db.prepare<[number, string, number]>(
      'UPDATE incidents SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL',
    ),
    get: db.prepare<[number], Row>('SELECT * FROM incidents WHERE id = ?'),
    all: db.prepare<[number], Row>('SELECT * FROM incidents ORDER BY id DESC LIMIT ?'),
    open: db.prepare<[number], Row>(
      'SELECT * FROM incidents WHERE resolved_at IS NULL ORDER BY id DESC LIMIT ?',
    ),
  };
  // better-sqlite3 is synchronous; the port is asynchronous so a networked store can implement it.
  const later = <T>(fn: () => T) => new Promise<T>((resolve) => resolve(fn()));
  return {
    open: (incident) => later(() => Number(q.insert.run(incident).lastInsertRowid)),
    resolve: (id, at) =>
      later(() => {
        q.resolve.run(at, id);
      }),
    acknowledge: (id, at, by) => later(() => q.ack.run(at, by, id).changes > 0),
    get: (id) =>
      later(() => {
        const row = q.get.get(id);
        return row && toIncident(row);
      }),
    list: ({ open, limit }) => later(() => (open ? q.open : q.all).all(limit).map(toIncident)),
  };
}
