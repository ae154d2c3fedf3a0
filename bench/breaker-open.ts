// Breaker-open benchmark: a view whose only upstream's breaker is held open (it answers at once with
// the source in error `breaker_open`) against a route that calls nothing (`/healthz`), same BFF,
// alternating. Target: the view's p99 at most 1.2x the reference's. Two references: /healthz, and an
// /api/views/* route answering a constant of the view's size through the same middleware.
import { RecentCallListSchema } from '@switchboard/shared/integrations';
import { SandboxProviderListSchema } from '@switchboard/shared/sandbox';
import { ViewResultSchema } from '@switchboard/shared/upstreams';
import { request } from 'undici';
import { sessionHeaders, useSession } from './lib/session';
import { startChild } from './lib/child';
import { pinSelf } from './lib/fan-out-stack';
import { closedLoop, median, openLoop, type LatencySummary } from './lib/load';

const rounds = Number(process.env.BENCH_ROUNDS ?? '3');
const rates = (process.env.BENCH_RATES ?? '1000,3000').split(',').map(Number);
/** What-if: a users rate limit (per second) replacing the sandbox's 50/s; unset = the product as is. */
const usersRate = process.env.BENCH_USERS_RATE;
const serverCore = 1;
const loadCore = 0;
const target = 1.2;
const f = (n: number, digits = 1) => n.toFixed(digits);
const ms = (n: number) => f(n, 2);

async function getJson(url: string): Promise<unknown> {
  const response = await request(url, { headers: sessionHeaders(url) });
  if (response.statusCode !== 200) throw new Error(`GET ${url}: HTTP ${response.statusCode}`);
  return response.body.json();
}

async function upstreamRequests(bff: string): Promise<number> {
  const list = SandboxProviderListSchema.parse(await getJson(`${bff}/api/sandbox/providers`));
  const users = list.providers.find((p) => p.name === 'users');
  if (!users) throw new Error('the sandbox lists no users provider');
  return users.requests;
}

/** How the users calls since `since` ended, by error kind (the last 1000 at most: the BFF keeps no more). */
async function callKinds(
  bff: string,
  since: number,
): Promise<{ kinds: Map<string, number>; latest: number }> {
  const list = RecentCallListSchema.parse(
    await getJson(`${bff}/api/calls?integration=users&limit=1000&since=${since}`),
  );
  const kinds = new Map<string, number>();
  for (const call of list.items) {
    const kind = call.kind ?? call.outcome;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return { kinds, latest: list.latestSeq };
}

/** The view's one source as `status kind`, e.g. `error breaker_open` (the view itself answers 200). */
async function viewSourceStatus(view: string): Promise<string> {
  const result = ViewResultSchema.parse(await getJson(view));
  const source = result.sources.users;
  return `${source?.status ?? 'missing'}${source?.error ? ` ${source.error.kind}` : ''}`;
}

export async function breakerOpenBenchmark(): Promise<void> {
  const server = await startChild<{ bff: string; cookie: string; upstream: string }>(
    '../servers/breaker-open.ts',
    usersRate === undefined ? [] : [usersRate],
    serverCore,
  );
  const unpin = pinSelf(loadCore);
  const { bff } = server.info;
  useSession(bff, server.info.cookie);
  const view = `${bff}/api/views/users`;
  const reference = `${bff}/healthz`;
  /** Same middleware, size and headers as the view; calls nothing (see servers/breaker-open.ts). */
  const constant = `${bff}/api/views/-/constant`;
  try {
    const closedFirst = await viewSourceStatus(view);
    if (closedFirst !== 'ok')
      throw new Error(`with the breaker closed the view said ${closedFirst}`);
    const forced = await request(`${bff}/api/integrations/users/breaker`, {
      method: 'POST',
      headers: { ...sessionHeaders(bff), 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'force-open' }),
    });
    await forced.body.dump();
    if (forced.statusCode !== 200) throw new Error(`force-open: HTTP ${forced.statusCode}`);
    const status = await viewSourceStatus(view);
    if (status !== 'error breaker_open')
      throw new Error(`with the breaker forced open the view said ${status}`);
    const upstreamBefore = await upstreamRequests(bff);

    // Warm up the JIT and the pools on every path.
    for (const url of [reference, constant, view, reference, constant, view])
      await closedLoop(url, { concurrency: 8, durationMs: 1000 });
    let seq = (await callKinds(bff, 0)).latest;

    console.log(
      `\nBreaker open: /api/views/users (its one source's breaker forced open) vs /healthz and /api/views/-/constant, ${rounds} rounds, medians (ms)`,
    );
    console.log(
      `  users rate limit: ${usersRate === undefined ? "the sandbox's (50/s, burst 50)" : `${usersRate}/s, burst ${usersRate} (what-if)`}; view source status: ${status}\n`,
    );
    const scenarios: Array<{ name: string; run: (url: string) => Promise<LatencySummary> }> = [
      {
        name: 'closed loop c=1',
        run: (url) => closedLoop(url, { concurrency: 1, durationMs: 2000 }),
      },
      ...rates.map((rate) => ({
        name: `open loop ${rate}/s`,
        run: (url: string) => openLoop(url, { ratePerSecond: rate, durationMs: 3000 }),
      })),
      {
        name: 'max throughput c=32',
        run: (url) => closedLoop(url, { concurrency: 32, durationMs: 2000 }),
      },
    ];
    const paths = ['healthz', 'constant', 'view'] as const;
    type Path = (typeof paths)[number];
    const urls: Record<Path, string> = { healthz: reference, constant, view };
    const results = scenarios.map(() => ({
      healthz: [] as LatencySummary[],
      constant: [] as LatencySummary[],
      view: [] as LatencySummary[],
      /** How the view's upstream calls ended, over every round (sampled: the BFF keeps 1000). */
      kinds: new Map<string, number>(),
    }));
    for (let r = 0; r < rounds; r++) {
      for (const [i, scenario] of scenarios.entries()) {
        const slot = results[i];
        if (!slot) continue;
        // Rotate which path goes first, so none always follows another.
        const order = paths.map((_, k) => paths[(k + r) % paths.length] ?? 'view');
        for (const path of order) {
          slot[path].push(await scenario.run(urls[path]));
          if (path !== 'view') continue;
          const calls = await callKinds(bff, seq);
          seq = calls.latest;
          for (const [kind, n] of calls.kinds)
            slot.kinds.set(kind, (slot.kinds.get(kind) ?? 0) + n);
        }
      }
    }

    const m = (list: LatencySummary[], key: 'p50' | 'p99' | 'throughput' | 'errors') =>
      median(list.map((s) => s[key]));
    /** The view's figure over the reference's, round by round: median [lowest–highest]. */
    const ratios = (
      view: LatencySummary[],
      ref: LatencySummary[],
      key: 'p50' | 'p99' | 'throughput',
    ) => {
      const each = view.map((v, k) => v[key] / (ref[k]?.[key] ?? NaN));
      return {
        median: median(each),
        text: `${f(median(each), 2)}x [${f(Math.min(...each), 2)}–${f(Math.max(...each), 2)}]`,
      };
    };
    console.log(
      `  ${'scenario'.padEnd(20)} ${'healthz p50 / p99'.padEnd(18)} ${'constant p50 / p99'.padEnd(19)} ${'view p50 / p99'.padEnd(18)} view/healthz p99; view/constant p99 (median [range] of per-round ratios)`,
    );
    for (const [i, scenario] of scenarios.entries()) {
      const slot = results[i];
      if (!slot) continue;
      const errors =
        m(slot.healthz, 'errors') + m(slot.constant, 'errors') + m(slot.view, 'errors');
      const kinds = [...slot.kinds].map(([kind, n]) => `${kind} ${n}`).join(', ');
      const notes = `${errors > 0 ? `; ${errors} HTTP errors` : ''}; source kinds: ${kinds}`;
      if (scenario.name.startsWith('max')) {
        const t = (path: Path) => `${f(m(slot[path], 'throughput'), 0)}/s`;
        console.log(
          `  ${scenario.name.padEnd(20)} ${t('healthz').padEnd(18)} ${t('constant').padEnd(19)} ${t('view').padEnd(18)} throughput ${ratios(slot.view, slot.healthz, 'throughput').text}; ${ratios(slot.view, slot.constant, 'throughput').text}${notes}`,
        );
        continue;
      }
      const cell = (path: Path) => `${ms(m(slot[path], 'p50'))} / ${ms(m(slot[path], 'p99'))}`;
      const vsHealthz = ratios(slot.view, slot.healthz, 'p99');
      const vsConstant = ratios(slot.view, slot.constant, 'p99');
      const verdict = (x: number) => (x <= target ? 'met' : 'MISSED');
      console.log(
        `  ${scenario.name.padEnd(20)} ${cell('healthz').padEnd(18)} ${cell('constant').padEnd(19)} ${cell('view').padEnd(18)} ${vsHealthz.text} (${verdict(vsHealthz.median)}); ${vsConstant.text} (${verdict(vsConstant.median)}) (target <= ${target})${notes}`,
      );
    }
    const upstreamAfter = await upstreamRequests(bff);
    console.log(
      `  upstream requests during the run: ${upstreamAfter - upstreamBefore} (the open breaker must make none)`,
    );
  } finally {
    unpin();
    await server.stop();
  }
}
