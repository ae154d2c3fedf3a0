// Console benchmark (issue 6): the built console in Debian's Chromium (playwright-core) against the
// real BFF with 50 integrations live — every integration in the stream's per-second sample, each
// called once a second by the sandbox traffic. For each page, BENCH_SECONDS (60) after its first
// render: main-thread busy time (CDP Performance.getMetrics TaskDuration over wall-clock), the CPU
// time of the renderer's main thread from /proc (less disturbed by other processes' load), long
// tasks (a PerformanceObserver registered before any script of the page), and React commit times
// (a <Profiler> in the profiling build, `vite build --mode profile`). Each page runs as shipped
// (bounded live series, animations off) and, alternating, with the perf flags turned the other way,
// for contrast. Also: the initial JavaScript of the sign-in and overview routes (gzip), from the
// production build's manifest. `npx tsx run.ts console`; BENCH_ROUNDS (3), BENCH_SECONDS (60).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, CDPSession, Page } from '@playwright/test';
import { startChild } from './lib/child';
import {
  chromiumPids,
  cpuBetween,
  launchChromium,
  processCpu,
  rendererCpu,
  rendererPids,
} from './lib/chromium';
import { median } from './lib/load';
import { mainThreadTasks } from './lib/main-thread-trace';
import { initialJavaScript } from './lib/route-chunks';

const rounds = Number(process.env.BENCH_ROUNDS ?? '3');
const seconds = Number(process.env.BENCH_SECONDS ?? '60');
const integrationCount = 50;
const serverCore = 1;
/**
 * Where Chromium runs: on both cores (undefined = unpinned), as an operator's browser does. Pinned to
 * one core, Chromium's own browser, GPU/viz and network processes and the renderer's compositor and
 * raster threads queue behind (and in front of) the renderer main thread, so its tasks' wall-clock
 * durations — what TaskDuration and long tasks count — came out 2–3× their thread CPU time even on
 * an idle machine (RESULTS.md, end of session 4). The BFF and the sandbox (one process) stay on core
 * 1, so the server's work is no more free than before; `BENCH_BROWSER_CORE=0` restores the pinning.
 */
const browserCore =
  process.env.BENCH_BROWSER_CORE === undefined ? undefined : Number(process.env.BENCH_BROWSER_CORE);
/** Development runs of some pages only (`BENCH_PAGES=overview,detail`); reported runs measure all. */
const pageFilter = process.env.BENCH_PAGES?.split(',').filter(Boolean);
const webRoot = fileURLToPath(new URL('../apps/web/', import.meta.url));
/** The key apps/web/src/lib/perf-flags.ts reads (profiling build only). */
const perfFlagsKey = 'switchboard.perf-flags';

interface PageSpec {
  name: string;
  path: string;
  /** The route's source modules in the manifest; a page missing from the build is skipped. */
  sources: string[];
  /** A page expression that is true once the page shows its live content. */
  ready: string;
  /** Whether the page has live charts for the perf flags to change. */
  contrast: boolean;
}

const layout = 'src/app/signed-in-layout.tsx';
/** Any data-points attribute (sparklines, charts) above zero: live data has been drawn. */
const drawn = `[...document.querySelectorAll('[data-points]')].some((e) => Number(e.getAttribute('data-points')) > 0)`;
const pages: PageSpec[] = [
  {
    // The same frame and live connection with no live view: what the pages add is measured over it.
    name: 'reference (/admin/users)',
    path: '/admin/users',
    sources: [layout, 'src/features/admin/components/users-page.tsx'],
    ready: `[...document.querySelectorAll('h1')].some((h) => h.textContent.trim() === 'Users') &&
      document.querySelectorAll('table tbody tr').length > 0`,
    contrast: false,
  },
  {
    name: 'overview',
    path: '/',
    sources: [layout, 'src/features/integrations/components/overview-page.tsx'],
    ready: `document.querySelectorAll('[data-testid="tiles"] > *').length >= ${integrationCount} && ${drawn}`,
    contrast: true,
  },
  {
    name: 'detail (/integrations/users-01)',
    path: '/integrations/users-01',
    sources: [layout, 'src/features/integrations/components/integration-detail-page.tsx'],
    ready: `Number(document.querySelector('[data-testid="chart-latency"]')?.getAttribute('data-points') ?? 0) > 0`,
    contrast: true,
  },
];

interface Variant {
  name: string;
  flags: { unboundedSeries: boolean; animations: boolean } | null;
}
const variants: Variant[] = [
  { name: 'as shipped', flags: null },
  { name: 'unbounded + animated', flags: { unboundedSeries: true, animations: true } },
];

/** What the page collects; read back as JSON at the end of a run. */
interface PageRecord {
  now: number;
  longTasks: { start: number; duration: number }[];
  commits: { phase: string; actualDuration: number; commitTime: number }[];
  points: number;
}

interface Run {
  loadAverage: number;
  /** From navigation to the live content shown (s). */
  firstRenderSeconds: number;
  wallSeconds: number;
  /** Percentages of wall-clock time. */
  busy: number;
  script: number;
  layout: number;
  mainCpu: number;
  rendererCpu: number;
  /** Every Chromium process together (browser, GPU/viz, network, renderers), % of one core. */
  chromiumCpu: number;
  longTasksBefore: number;
  longTasksAfter: number;
  longestAfter: number;
  /**
   * Each long task after first render: seconds after it, its wall-clock duration (observer) and the
   * thread CPU of the trace's task at that moment (where the trace has it).
   */
  longTaskDetails: { at: number; wallMs: number; cpuMs: number | undefined }[];
  /** Time the renderer main thread spent runnable but waiting for a core (schedstat), % of wall. */
  mainWait: number;
  /** From the trace: outermost main-thread tasks, wall-clock and thread CPU time, % of the span. */
  traceBusy: number;
  traceCpuBusy: number;
  /** Tasks of the trace over 50 ms of thread CPU time (what the page's own work costs) and of wall time. */
  longTasksByCpu: number;
  longestTaskCpu: number;
  /** When that task started, seconds into the measured span. */
  longestTaskCpuAt: number;
  longTasksByWall: number;
  /** Every React commit. */
  commitsPerSecond: number;
  commitMedian: number;
  commitP95: number;
  commitMax: number;
  /** Commits grouped into updates (see commitBursts): render time per update (ms). */
  updatesPerSecond: number;
  updateMedian: number;
  updateP95: number;
  updateMax: number;
  /** React render time per second of wall clock (ms). */
  commitMsPerSecond: number;
  heapMb: number;
  heapGrowthMb: number;
  points: number;
}

const pct = (n: number) => `${n.toFixed(1)} %`;
const quantile = (values: number[], q: number) => {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
};

function build(args: string[]): string {
  const outDir = mkdtempSync(join(tmpdir(), 'switchboard-web-'));
  const result = spawnSync(
    join(webRoot, 'node_modules/.bin/vite'),
    ['build', ...args, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: webRoot, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`vite build ${args.join(' ')} failed`);
  return outDir;
}

/**
 * One live update can take several commits (a state change, then effects that set state again): the
 * commits that follow each other within 100 ms count as one update, and its time is their sum.
 */
function commitBursts(commits: { actualDuration: number; commitTime: number }[]): number[] {
  const bursts: number[] = [];
  let last = -Infinity;
  for (const commit of commits.toSorted((a, b) => a.commitTime - b.commitTime)) {
    if (commit.commitTime - last > 100 || bursts.length === 0) bursts.push(0);
    bursts[bursts.length - 1] = (bursts.at(-1) ?? 0) + commit.actualDuration;
    last = commit.commitTime;
  }
  return bursts;
}

/** Signs the context in through the BFF's login route from a page of its origin, as the sign-in form does. */
async function signIn(context: BrowserContext, bff: string, adminPassword: string): Promise<void> {
  const tab = await context.newPage();
  try {
    await tab.goto(`${bff}/healthz`);
    const status = await tab.evaluate(
      `fetch('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf': '1' },
        body: JSON.stringify({ username: 'admin', password: ${JSON.stringify(adminPassword)} }),
      }).then((r) => r.status)`,
    );
    if (status !== 200)
      throw new Error(`signing in from the browser failed: HTTP ${String(status)}`);
  } finally {
    await tab.close();
  }
}

async function metrics(cdp: CDPSession): Promise<Map<string, number>> {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return new Map(list.map((m) => [m.name, m.value]));
}

// Runs before any script of every document: the long-task observer, and the perf flags set (or
// cleared) in this origin's storage before the app reads them.
const initScript = `(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  try {
    const flags = __FLAGS__;
    if (flags === null) localStorage.removeItem('${perfFlagsKey}');
    else localStorage.setItem('${perfFlagsKey}', JSON.stringify(flags));
  } catch {}
})();`;

// An expression, not a function source: Playwright would call a string that looks like a function.
const collect = `JSON.stringify({
  now: performance.now(),
  longTasks: window.__longTasks ?? [],
  commits: (window.__switchboardCommits ?? []).map((c) => ({
    phase: c.phase, actualDuration: c.actualDuration, commitTime: c.commitTime,
  })),
  points: Math.max(0, ...[...document.querySelectorAll('[data-points]')]
    .map((e) => Number(e.getAttribute('data-points')))),
})`;

/**
 * performance.now() in the page once `ready` holds. (A string that starts with a parenthesis would
 * be taken by Playwright for a function, hence `Boolean(…)`.) Polled from here with Runtime.evaluate, which
 * the console's CSP (no eval) allows, unlike waitForFunction's string predicates.
 */
async function firstRenderOf(tab: Page, ready: string): Promise<number> {
  // Generous: with the machine's load average near 20, a cold page has taken over a minute.
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const at = Number(await tab.evaluate(`Boolean(${ready}) ? performance.now() : 0`));
    if (at > 0) return at;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const shown = String(
    await tab.evaluate(
      `JSON.stringify([document.querySelectorAll('[data-testid^="source-row-"]').length, document.querySelector('[data-points]')?.getAttribute('data-points'), Boolean(${ready})])`,
    ),
  );
  throw new Error(`the page did not show its live content within 180 s; it shows: ${shown}`);
}

/** CLOCK_MONOTONIC in µs: the clock of Chromium's trace timestamps (TimeTicks) on Linux. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Time (µs) the renderers' main threads have spent runnable but waiting for a core, summed: how
 * much of a task's wall-clock time was the thread descheduled rather than working or blocked.
 */
function runQueueWaitUs(pids: number[]): Map<number, number> {
  const readings = new Map<number, number>();
  for (const pid of pids) {
    try {
      const [, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ');
      readings.set(pid, Number(wait) / 1000);
    } catch {
      // The process ended between the listing and the reading, or the kernel has no schedstats.
    }
  }
  return readings;
}

async function measure(
  browser: Browser,
  bff: string,
  adminPassword: string,
  page: PageSpec,
  variant: Variant,
): Promise<Run> {
  const loadAverage = loadavg()[0] ?? NaN;
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    await signIn(context, bff, adminPassword);
    await context.addInitScript(initScript.replace('__FLAGS__', JSON.stringify(variant.flags)));
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
    // The trace starts before the navigation so that it holds the tasks right after the first
    // render too (the long-task observer counts from there; a trace started after the first render
    // missed the first ~0.1 s, where the REST hand-over runs). Only tasks from the first render on
    // are used (`mainThreadTasks(…, from)`).
    await browser.startTracing(tab, { categories: ['toplevel'] });
    const navigated = Date.now();
    await tab.goto(`${bff}${page.path}`, { waitUntil: 'load' });
    const firstRender = await firstRenderOf(tab, page.ready);
    const firstRenderSeconds = (Date.now() - navigated) / 1000;
    // The page's clock against the trace's, to within the evaluate's round trip (a few ms), so
    // each long task can be matched with its task in the trace.
    const clockBefore = monotonicUs();
    const pageNow = Number(await tab.evaluate('performance.now()'));
    const pageToTraceUs = (ms: number) => (clockBefore + monotonicUs()) / 2 + (ms - pageNow) * 1000;
    const pids = rendererPids();
    const cpuStart = rendererCpu(pids);
    const waitStart = runQueueWaitUs(pids);
    const allPids = chromiumPids();
    const chromiumStart = processCpu(allPids);
    const wallStart = performance.now();
    const start = await metrics(cdp);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const end = await metrics(cdp);
    // The span's end on the page's clock: long tasks are counted from the first render to here (the
    // issue's 60 s), not during the bench's own trace stop and read-back that follow.
    const spanEnd = Number(await tab.evaluate('performance.now()'));
    const trace = mainThreadTasks(await browser.stopTracing(), pageToTraceUs(firstRender));
    const cpu = cpuBetween(cpuStart, rendererCpu(pids));
    const waitUs = [...runQueueWaitUs(pids)].reduce(
      (sum, [pid, end]) => sum + end - (waitStart.get(pid) ?? end),
      0,
    );
    const chromiumEnd = processCpu(allPids);
    const chromiumSeconds = [...chromiumEnd].reduce(
      (sum, [pid, end]) => sum + end - (chromiumStart.get(pid) ?? end),
      0,
    );
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const record = JSON.parse(String(await tab.evaluate(collect))) as PageRecord;

    const delta = (name: string) => (end.get(name) ?? 0) - (start.get(name) ?? 0);
    const span = delta('Timestamp');
    const share = (...names: string[]) =>
      (names.reduce((sum, name) => sum + delta(name), 0) / span) * 100;
    const after = record.longTasks.filter((t) => t.start >= firstRender && t.start <= spanEnd);
    const commits = record.commits.filter(
      (c) => c.commitTime >= firstRender && c.commitTime <= record.now,
    );
    const durations = commits.map((c) => c.actualDuration);
    const updates = commitBursts(commits);
    const observedSeconds = (record.now - firstRender) / 1000;
    const traceWall = trace.tasks.reduce((sum, t) => sum + t.wallMs, 0);
    const traceCpu = trace.tasks.reduce((sum, t) => sum + t.cpuMs, 0);
    return {
      loadAverage,
      firstRenderSeconds,
      wallSeconds,
      busy: share('TaskDuration'),
      script: share('ScriptDuration'),
      layout: share('LayoutDuration', 'RecalcStyleDuration'),
      mainCpu: (cpu.mainThread / wallSeconds) * 100,
      rendererCpu: (cpu.process / wallSeconds) * 100,
      chromiumCpu: (chromiumSeconds / wallSeconds) * 100,
      longTasksBefore: record.longTasks.filter((t) => t.start < firstRender).length,
      longTasksAfter: after.length,
      longestAfter: Math.max(0, ...after.map((t) => t.duration)),
      longTaskDetails: after.map((t) => {
        // The trace task that starts nearest the observer's entry (a few ms apart at most).
        const startMs = (pageToTraceUs(t.start) - trace.originUs) / 1000;
        const match = trace.tasks
          .filter((task) => Math.abs(task.startMs - startMs) < 10)
          .sort((a, b) => Math.abs(a.startMs - startMs) - Math.abs(b.startMs - startMs))[0];
        return { at: (t.start - firstRender) / 1000, wallMs: t.duration, cpuMs: match?.cpuMs };
      }),
      mainWait: (waitUs / 1000 / 1000 / wallSeconds) * 100,
      traceBusy: (traceWall / trace.spanMs) * 100,
      traceCpuBusy: (traceCpu / trace.spanMs) * 100,
      longTasksByCpu: trace.tasks.filter((t) => t.cpuMs > 50).length,
      longestTaskCpu: Math.max(0, ...trace.tasks.map((t) => t.cpuMs)),
      longestTaskCpuAt:
        (trace.tasks.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a), { cpuMs: 0, startMs: 0 })
          .startMs ?? 0) / 1000,
      longTasksByWall: trace.tasks.filter((t) => t.wallMs > 50).length,
      commitsPerSecond: commits.length / observedSeconds,
      commitMedian: median(durations),
      commitP95: quantile(durations, 0.95),
      commitMax: Math.max(0, ...durations),
      updatesPerSecond: updates.length / observedSeconds,
      updateMedian: median(updates),
      updateP95: quantile(updates, 0.95),
      updateMax: Math.max(0, ...updates),
      commitMsPerSecond: durations.reduce((a, b) => a + b, 0) / observedSeconds,
      heapMb: (end.get('JSHeapUsedSize') ?? 0) / 1e6,
      heapGrowthMb: delta('JSHeapUsedSize') / 1e6,
      points: record.points,
    };
  } finally {
    await context.close();
  }
}

function describeRun(run: Run): string {
  return [
    `busy ${pct(run.busy)} (script ${pct(run.script)}, layout+style ${pct(run.layout)})`,
    `trace: tasks ${pct(run.traceBusy)} wall, ${pct(run.traceCpuBusy)} thread CPU`,
    `main-thread CPU (/proc) ${pct(run.mainCpu)}, renderer ${pct(run.rendererCpu)}, all Chromium ` +
      `processes ${pct(run.chromiumCpu)}`,
    `long tasks after first render ${run.longTasksAfter} (longest ${run.longestAfter.toFixed(0)} ms; ` +
      `${run.longTasksBefore} before), over 50 ms of CPU ${run.longTasksByCpu} (longest ` +
      `${run.longestTaskCpu.toFixed(0)} ms, ${run.longestTaskCpuAt.toFixed(1)} s in)`,
    `long tasks (s after first render: wall/thread CPU ms): ${
      run.longTaskDetails
        .map(
          (t) =>
            `${t.at.toFixed(2)} s: ${t.wallMs.toFixed(0)}/${t.cpuMs === undefined ? '?' : t.cpuMs.toFixed(0)}`,
        )
        .join(', ') || 'none'
    }; main thread waited for a core ${pct(run.mainWait)} of the time`,
    `React: ${run.commitsPerSecond.toFixed(1)} commits/s (median ${run.commitMedian.toFixed(2)} ms, ` +
      `max ${run.commitMax.toFixed(1)}), ${run.updatesPerSecond.toFixed(2)} updates/s, per update ` +
      `median ${run.updateMedian.toFixed(1)} ms, p95 ${run.updateP95.toFixed(1)}, max ` +
      `${run.updateMax.toFixed(1)}, ${run.commitMsPerSecond.toFixed(1)} ms/s`,
    `heap ${run.heapMb.toFixed(1)} MB (${run.heapGrowthMb >= 0 ? '+' : ''}${run.heapGrowthMb.toFixed(1)}), ` +
      `chart points ${run.points}, first render after ${run.firstRenderSeconds.toFixed(1)} s, ` +
      `load ${run.loadAverage.toFixed(1)}`,
  ].join('\n      ');
}

const range = (values: number[], digits = 1) =>
  `${median(values).toFixed(digits)} [${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}]`;

export async function consoleBenchmark(): Promise<void> {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    encoding: 'utf8',
  }).stdout.trim();
  console.log(
    `\nConsole (issue 6), commit ${commit}: ${integrationCount} integrations live, ${rounds} rounds of ` +
      `${seconds} s per page and variant; BFF and sandbox on core ${serverCore}, Chromium on ` +
      `${browserCore === undefined ? 'both cores' : `core ${browserCore}`}; ` +
      `load average ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')}`,
  );

  // Sizes come from the production build; the runs use the profiling build (React's profiling
  // react-dom is larger, and only it reports commit times).
  const production = build([]);
  const profiling = build(['--mode', 'profile']);
  const budgets = [
    { route: 'sign-in', sources: ['src/features/auth/components/sign-in-page.tsx'], budget: 100 },
    ...pages.map((p) => ({
      route: p.name,
      sources: p.sources,
      budget: p.name === 'overview' ? 250 : undefined,
    })),
  ];
  console.log('\nInitial JavaScript (production build, gzip -9, kB = 1000 bytes):');
  for (const { route, sources, budget } of budgets) {
    const chunks = initialJavaScript(production, sources);
    if (!chunks) {
      console.log(`  ${route.padEnd(12)} not in this build`);
      continue;
    }
    const kB = chunks.gzipBytes / 1000;
    const verdict =
      budget === undefined ? '' : ` — budget ${budget} kB: ${kB <= budget ? 'met' : 'MISSED'}`;
    console.log(
      `  ${route.padEnd(12)} ${kB.toFixed(1)} kB gzip (${(chunks.rawBytes / 1000).toFixed(1)} kB raw) in ${chunks.files.length} files${verdict}`,
    );
  }

  const measured = pages.filter(
    (p) =>
      initialJavaScript(profiling, p.sources) !== undefined &&
      (!pageFilter || pageFilter.some((f) => p.name.startsWith(f))),
  );
  const server = await startChild<{ bff: string; adminPassword: string }>(
    '../servers/console-bff.ts',
    [profiling, String(integrationCount)],
    serverCore,
  );
  const browser = await launchChromium(browserCore);
  // A fresh browser's first trace has come back without the renderer's events: trace once idly.
  await browser.startTracing(undefined, { categories: ['toplevel'] });
  await browser.stopTracing();
  const results = new Map<string, Run[]>();
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const page of measured) {
        // Alternate which variant goes first, so drift in the machine's load hits both alike.
        const own = page.contrast ? variants : variants.slice(0, 1);
        const order = round % 2 === 1 ? own : own.toReversed();
        for (const variant of order) {
          const key = `${page.name} · ${variant.name}`;
          // One failed run (a page that never showed its data) is reported, not fatal.
          const run = await measure(
            browser,
            server.info.bff,
            server.info.adminPassword,
            page,
            variant,
          ).catch((err: unknown) => {
            console.log(`  round ${round} ${key}: FAILED: ${String(err)}`);
            return undefined;
          });
          if (!run) continue;
          results.set(key, [...(results.get(key) ?? []), run]);
          console.log(`  round ${round} ${key}: ${describeRun(run)}`);
        }
      }
    }
  } finally {
    await browser.close();
    await server.stop();
  }

  console.log(
    `\nMedians [ranges] over ${rounds} rounds (target: busy ≤ 10 %, no long task after first render):`,
  );
  const reference = results.get(`${pages[0]?.name} · ${variants[0]?.name}`) ?? [];
  for (const page of measured) {
    const shipped = results.get(`${page.name} · ${variants[0]?.name}`) ?? [];
    for (const variant of page.contrast ? variants : variants.slice(0, 1)) {
      const runs = results.get(`${page.name} · ${variant.name}`) ?? [];
      const of = (pick: (r: Run) => number, digits = 1) => range(runs.map(pick), digits);
      console.log(
        [
          `  ${page.name} · ${variant.name}:`,
          `busy ${of((r) => r.busy)} % (CDP TaskDuration), trace ${of((r) => r.traceBusy)} % wall / ` +
            `${of((r) => r.traceCpuBusy)} % thread CPU, /proc main-thread CPU ${of((r) => r.mainCpu)} %, ` +
            `all Chromium processes ${of((r) => r.chromiumCpu)} % of a core`,
          `long tasks after first render ${runs.map((r) => r.longTasksAfter).join('/')} ` +
            `(longest ${of((r) => r.longestAfter, 0)} ms), over 50 ms of CPU ` +
            `${runs.map((r) => r.longTasksByCpu).join('/')} (longest ${of((r) => r.longestTaskCpu, 0)} ms)`,
          `React per update median ${of((r) => r.updateMedian)} ms, p95 ${of((r) => r.updateP95)} ms, ` +
            `max ${of((r) => r.updateMax)} ms; ${of((r) => r.commitsPerSecond)} commits/s, ` +
            `${of((r) => r.commitMsPerSecond)} ms/s`,
          `heap ${of((r) => r.heapMb)} MB, chart points ${of((r) => r.points, 0)}, load ${of((r) => r.loadAverage)}`,
        ].join('\n      '),
      );
    }
    /** Per round, `runs[i]` over `base[i]` (same round, alternated), as median [range]. */
    const ratios = (runs: Run[], base: Run[], pick: (r: Run) => number) =>
      range(
        runs.map((run, i) => (base[i] ? pick(run) / pick(base[i]) : NaN)),
        2,
      );
    const contrast = results.get(`${page.name} · ${variants[1]?.name}`) ?? [];
    if (page.contrast)
      console.log(
        `  ${page.name}: unbounded + animated / as shipped: busy ${ratios(contrast, shipped, (r) => r.busy)}×, ` +
          `thread CPU ${ratios(contrast, shipped, (r) => r.traceCpuBusy)}×, React ms/s ` +
          `${ratios(contrast, shipped, (r) => r.commitMsPerSecond)}×`,
      );
    if (page !== pages[0] && reference.length > 0)
      console.log(
        `  ${page.name} / reference: busy ${ratios(shipped, reference, (r) => r.busy)}×, ` +
          `thread CPU ${ratios(shipped, reference, (r) => r.traceCpuBusy)}×`,
      );
    const busy = median(shipped.map((r) => r.busy));
    const cpuBusy = median(shipped.map((r) => r.traceCpuBusy));
    const longTasks = shipped.reduce((sum, r) => sum + r.longTasksAfter, 0);
    const longByCpu = shipped.reduce((sum, r) => sum + r.longTasksByCpu, 0);
    console.log(
      `  ${page.name} as shipped: busy ≤ 10 %: ${busy <= 10 ? 'met' : 'MISSED'} (median ${busy.toFixed(1)} % ` +
        `wall; ${cpuBusy.toFixed(1)} % as thread CPU time: ${cpuBusy <= 10 ? 'met' : 'missed'}); ` +
        `no long task after first render: ${longTasks === 0 ? 'met' : `MISSED (${longTasks} in all rounds`}` +
        `${longTasks === 0 ? '' : `; ${longByCpu} of them over 50 ms of CPU)`}`,
    );
  }
}
