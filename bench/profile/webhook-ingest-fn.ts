// Profiling aid: the webhook ingest function itself (`createWebhookIngest` over the real on-disk
// queue.db with its group commit, WAL fsync and checkpointer, processing not started), without
// HTTP: `connections` deliveries in flight in a closed loop, as the bench's load keeps them. Prints
// the process's CPU per delivery by thread (main, libuv pool and V8 helpers, the checkpointer
// worker) from /proc (Linux). Pin it to one core as the bench pins its servers:
// `taskset -c 1 npx tsx profile/webhook-ingest-fn.ts 60000 64`.
// `BENCH_WEBHOOK_BASELINE=<checkout>` runs that checkout's code (an A/B against the commit before
// a change; the checkout needs the same module layout).
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as Fs from 'node:fs';
import { threadCpuMs } from '../lib/thread-cpu';
import { webhookBodyOf } from '../lib/webhook-body';
import type * as Logger from '@switchboard/bff/http/logger';
import type * as JobQueue from '@switchboard/bff/queue/job-queue';
import type * as HmacKey from '@switchboard/bff/runtime/node/node-hmac-key';
import type * as SqliteQueue from '@switchboard/bff/runtime/node/sqlite-queue';
import type * as Checkpointer from '@switchboard/bff/runtime/node/sqlite-wal-checkpointer';
import type * as WebhookLog from '@switchboard/bff/runtime/node/sqlite-webhook-log';
import type * as Ingest from '@switchboard/bff/webhooks/webhook-ingest';
import type * as Verify from '@switchboard/bff/webhooks/verify-webhook';

const count = Number(process.argv[2] ?? '60000');
const connections = Number(process.argv[3] ?? '64');
const tree = resolve(process.env.BENCH_WEBHOOK_BASELINE ?? join(import.meta.dirname, '../..'));
const src = `${tree}/apps/bff/src`;

// Counts the WAL fsyncs the group commit asks for (it imports `fsync` from node:fs).
let fsyncs = 0;
const fs = createRequire(import.meta.url)('node:fs') as typeof Fs;
const realFsync = fs.fsync;
fs.fsync = ((fd: number, done: (err: NodeJS.ErrnoException | null) => void) => {
  fsyncs += 1;
  realFsync(fd, done);
}) as typeof fs.fsync;
syncBuiltinESMExports();
// `BURN_US=<µs>`: busy CPU per delivery standing in for HTTP (the server's node:http parse and
// write), so the group commit batches as it does in the server; reported apart.
const burnUs = Number(process.env.BURN_US ?? '0');
const burn = () => {
  const until = performance.now() + burnUs / 1000;
  while (performance.now() < until);
};

const load = <T>(path: string) => import(`${src}/${path}`) as Promise<T>;
const [
  { createWebhookIngest },
  verify,
  hmacKey,
  sqliteQueue,
  webhookLog,
  jobQueue,
  logger,
  checkpointer,
] = await Promise.all([
  load<typeof Ingest>('webhooks/webhook-ingest.ts'),
  load<typeof Verify>('webhooks/verify-webhook.ts'),
  load<typeof HmacKey>('runtime/node/node-hmac-key.ts'),
  load<typeof SqliteQueue>('runtime/node/sqlite-queue.ts'),
  load<typeof WebhookLog>('runtime/node/sqlite-webhook-log.ts'),
  load<typeof JobQueue>('queue/job-queue.ts'),
  load<typeof Logger>('http/logger.ts'),
  load<typeof Checkpointer>('runtime/node/sqlite-wal-checkpointer.ts'),
]);

const post = (session: Session, method: string) =>
  new Promise<unknown>((done, fail) =>
    session.post(method, (err, result) => (err ? fail(err) : done(result))),
  );

/** Write syscalls and bytes written by the process so far. */
function ioCounts(): { syscw: number; wchar: number } {
  const text = readFileSync('/proc/self/io', 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(text)?.[1]);
  return { syscw: field('syscw'), wchar: field('wchar') };
}

const secret = `whsec_${randomBytes(24).toString('base64')}`;
const keyBytes = Buffer.from(secret.slice(6), 'base64');
const dir = mkdtempSync(join(tmpdir(), 'switchboard-ingest-fn-'));
const db = sqliteQueue.openQueueDatabase(dir);
const store = sqliteQueue.createSqliteJobStore(db);
const queue = jobQueue.createJobQueue({
  store,
  clock: { now: () => Date.now(), sleep: () => new Promise(() => undefined) },
  logger: logger.silentLogger,
});
const log = webhookLog.createSqliteWebhookLog(db);
const config = {
  scheme: 'standard-webhooks' as const,
  secretsEnv: ['S'],
  toleranceSeconds: 300,
};
const keys = await verify.importWebhookKeys(config.scheme, [secret], hmacKey.nodeWebhookKey);
const ingest = createWebhookIngest({
  sources: new Map([['bench', { config, keys }]]),
  queue,
  log,
  now: Date.now,
  monotonicNow: () => performance.now(),
  logger: logger.silentLogger,
  rateLimit: { points: 1e9, durationSec: 60 },
  shuttingDown: () => false,
});

const seconds = String(Math.floor(Date.now() / 1000));
const deliveries = Array.from({ length: Number(process.env.GENERATE ?? count + 5000) }, () => {
  const id = `msg_${crypto.randomUUID()}`;
  const body = webhookBodyOf(id);
  const signature = createHmac('sha256', keyBytes)
    .update(`${id}.${seconds}.${body}`)
    .digest('base64');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'webhook-id': id,
    'webhook-timestamp': seconds,
    'webhook-signature': `v1,${signature}`,
  };
  return { body: Buffer.from(body), headers };
});

let next = 0;
let errors = 0;
async function run(until: number): Promise<void> {
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < until) {
        const d = deliveries[next++] as (typeof deliveries)[number];
        if (burnUs > 0) burn();
        const answer = await ingest({
          source: 'bench',
          path: '/webhooks/bench',
          header: (name: string) => d.headers[name],
          clientIp: '127.0.0.1',
          readBody: () => Promise.resolve(d.body),
        });
        if (answer.status !== 202) errors += 1;
      }
    }),
  );
}

await run(5000); // warm-up
// `PROFILE=<file.cpuprofile>`: the main thread's CPU profile of the measured deliveries only.
const profileTo = process.env.PROFILE;
const session = profileTo === undefined ? undefined : new Session();
if (session) {
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.start');
}
const before = threadCpuMs();
const io0 = ioCounts();
const fsyncs0 = fsyncs;
const t0 = performance.now();
await run(5000 + count);
const wallMs = performance.now() - t0;
const after = threadCpuMs();
const io1 = ioCounts();
if (session && profileTo !== undefined) {
  const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown };
  writeFileSync(profileTo, JSON.stringify(profile));
}
const threads: Record<string, number> = {};
let total = 0;
for (const [name, ms] of after) {
  const used = ms - (before.get(name) ?? 0);
  if (used === 0) continue;
  threads[name] = Math.round((used / count) * 1000 * 10) / 10;
  total += used;
}
if (burnUs > 0 && threads.main !== undefined)
  threads.main = Math.round((threads.main - burnUs) * 10) / 10;
total -= (burnUs * count) / 1000;
console.log(
  JSON.stringify({
    tree,
    deliveries: count,
    errors,
    perSecond: Math.round(count / (wallMs / 1000)),
    cpuUsPerDelivery: Math.round((total / count) * 1000 * 10) / 10,
    threads,
    fsyncsPerDelivery: Math.round(((fsyncs - fsyncs0) / count) * 1000) / 1000,
    writesPerDelivery: Math.round(((io1.syscw - io0.syscw) / count) * 100) / 100,
    bytesWrittenPerDelivery: Math.round((io1.wchar - io0.wchar) / count),
  }),
);
await checkpointer.closeWithCheckpointer(db);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
