// Child process: the real BFF with one Standard Webhooks source, `POST /webhooks/bench`, its data
// directory (queue.db: WAL, each commit's WAL fsynced before the answer, decision 027) in a fresh temporary directory on disk. Its queue
// processes the deliveries as it would in production, unless started with `processing-paused`.
// Prints its URL, serves until killed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CatalogInput } from '@switchboard/shared/catalog';
import { loadConfig } from '@switchboard/bff/config/config';
import { silentLogger } from '@switchboard/bff/http/logger';
import { startServer } from '@switchboard/bff/runtime/node/server';
import { benchAuthEnv } from '../lib/session';

const secret = process.argv[2] ?? '';
// `processing-paused`: the queue's workers are stopped once the server is up, so only ingest runs.
const processingPaused = process.argv[3] === 'processing-paused';
const dir = mkdtempSync(join(tmpdir(), 'switchboard-webhook-bench-'));
const catalog: CatalogInput = {
  integrations: {},
  webhooks: { bench: { scheme: 'standard-webhooks', secretsEnv: ['BENCH_WEBHOOK_SECRET'] } },
};
const file = join(dir, 'catalog.json');
writeFileSync(file, JSON.stringify(catalog, null, 2));

const server = await startServer(
  loadConfig({
    PORT: '0',
    SWITCHBOARD_SANDBOX: 'off',
    SWITCHBOARD_CONFIG: file,
    SWITCHBOARD_LOG_LEVEL: 'silent',
    // The per-address webhook limit still counts every delivery; it just never refuses in a run.
    SWITCHBOARD_WEBHOOK_RATE_LIMIT_PER_MINUTE: '10000000',
    ...benchAuthEnv(crypto.randomUUID()),
    SWITCHBOARD_DATA_DIR: join(dir, 'data'),
  }),
  silentLogger,
  { env: { BENCH_WEBHOOK_SECRET: secret } },
);
if (processingPaused) await server.switchboard.queue?.drain(1000);
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${server.port}/webhooks/bench` })}\n`,
);
process.on(
  'SIGTERM',
  () =>
    void server.close().then(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }),
);
