// throwaway micro benchmark (not committed)
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
const variant = process.argv[2];
const dir = mkdtempSync('/tmp/ingest9/m-');
const db = new Database(join(dir, 'q.db'));
db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL'); db.pragma('wal_autocheckpoint = 8000');
db.exec(`CREATE TABLE jobs (id TEXT PRIMARY KEY, type TEXT NOT NULL, payload TEXT NOT NULL, idempotency_key TEXT, status TEXT NOT NULL, priority INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, round INTEGER NOT NULL DEFAULT 1, revision INTEGER NOT NULL DEFAULT 0, backoff_base_ms INTEGER NOT NULL, backoff_max_ms INTEGER NOT NULL, run_at INTEGER NOT NULL, lease_until INTEGER, lease_token TEXT, integration TEXT, operation TEXT, last_error_kind TEXT, last_error_message TEXT, history TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, dead_at INTEGER, discard_reason TEXT ${variant.includes('cols') ? ', dedupe_key TEXT, body_bytes INTEGER, triggered TEXT' : ''});
CREATE UNIQUE INDEX jobs_idempotency ON jobs (type, idempotency_key) WHERE idempotency_key IS NOT NULL;
${variant.includes('partialdead') ? "CREATE INDEX jobs_dead ON jobs (dead_at) WHERE status = 'dead';" : 'CREATE INDEX jobs_dead ON jobs (status, dead_at);'}
CREATE INDEX jobs_claim ON jobs (type, status, priority DESC, run_at, created_at);
CREATE INDEX jobs_settled ON jobs (updated_at) WHERE status IN ('succeeded', 'discarded');
CREATE TABLE webhook_log (id INTEGER PRIMARY KEY ${variant.includes('leanlog') ? '' : 'AUTOINCREMENT'}, at INTEGER NOT NULL, source TEXT NOT NULL, delivery_id TEXT, outcome TEXT NOT NULL, reason TEXT, event_type TEXT, body_bytes INTEGER NOT NULL, job_id TEXT, triggered TEXT);
CREATE INDEX webhook_log_source ON webhook_log (source, id);
${variant.includes('leanlog') ? '' : 'CREATE INDEX webhook_log_job ON webhook_log (job_id) WHERE job_id IS NOT NULL;'}
`);
const ins = db.prepare(`INSERT INTO jobs (id, type, payload, idempotency_key, status, priority, max_attempts, backoff_base_ms, backoff_max_ms, run_at, integration, operation, created_at, updated_at${variant.includes('cols') ? ', dedupe_key, body_bytes' : ''}) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?${variant.includes('cols') ? ', ?, ?' : ''}) ON CONFLICT DO NOTHING`);
const log = db.prepare(`INSERT INTO webhook_log (at, source, delivery_id, outcome, reason, event_type, body_bytes, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
let seq = 0;
const idOf = (t) => { const h = t.toString(16).padStart(12, '0'); return `${h.slice(0,8)}-${h.slice(8)}-7${randomUUID().slice(15)}`; };
function one() {
  const t = Date.now(); const did = `msg_${randomUUID()}`; const id = idOf(t);
  const payload = JSON.stringify({ source: 'bench', deliveryId: did, eventType: 'user.created', event: { id: did, type: 'user.created', data: { user: { id: `usr_${did}`, email: `${did}@example.com`, plan: 'team', locale: 'en-GB' }, source: 'signup-form', referrer: 'https://example.com/pricing' } } });
  const key = variant.includes('nokey') ? null : `bench:${did}`;
  const args = [id, 'webhook.process', payload, key, 0, 5, 1000, 60000, t, 'webhook-bench', 'user.created', t, t];
  if (variant.includes('cols')) args.push(`bench:${did}`, 300);
  ins.run(...args);
  if (!variant.includes('onerow')) log.run(t, 'bench', did, 'accepted', null, 'user.created', 300, id);
}
const batch = 20; const N = Number(process.argv[3] ?? 60000);
const run = (n) => { for (let i = 0; i < n; i += batch) { db.exec('BEGIN IMMEDIATE'); for (let j = 0; j < batch; j++) one(); db.exec('COMMIT'); } };
run(40000); // warm: table with 40k rows
const c0 = process.cpuUsage(); const w0 = performance.now();
run(N);
const c = process.cpuUsage(c0); const w = performance.now() - w0;
console.log(variant.padEnd(30), 'cpu µs/delivery', ((c.user + c.system) / N).toFixed(1), 'wall', (w * 1000 / N).toFixed(1));
