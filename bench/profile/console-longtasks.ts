// What each long task of a console page is made of: the page opened as console.ts opens it (signed
// in, a long-task observer before any script, measured from the first render of live data), traced
// for BENCH_SECONDS (60) with the timeline, V8 and compositor categories, while the renderer main
// thread's scheduler statistics (/proc/<pid>/task/<tid>/schedstat: time on a core, time waiting for
// one) are read every 5 ms. For every main-thread task over 30 ms of wall clock: when it ran after
// the first render, its wall and thread CPU time, how long the thread waited for a core inside it
// (descheduled), where the task was posted from, and the events inside that took longest (wall/CPU).
// `npx tsx profile/console-longtasks.ts / [pinned|unpinned]`; BENCH_WEB_DIR reuses a profiling
// build, BENCH_TRACE_OUT keeps the raw trace. Run it under the lock (flock -x).
import { readFileSync, writeFileSync } from 'node:fs';
import { profilingBuild } from '../lib/console-profiling';
import { startChild } from '../lib/child';
import { launchChromium, rendererPids } from '../lib/chromium';
import { TraceEventSchema, type TraceEvent } from '../lib/main-thread-trace';

const [path = '/', placement = 'unpinned'] = process.argv.slice(2);
const seconds = Number(process.env.BENCH_SECONDS ?? '60');
const integrationCount = 50;
/** Tasks over this many ms of wall or CPU time are listed (BENCH_TASK_MS). */
const thresholdUs = Number(process.env.BENCH_TASK_MS ?? '30') * 1000;
const ready =
  path === '/'
    ? `document.querySelectorAll('[data-testid="tiles"] > *').length >= ${integrationCount} &&
       [...document.querySelectorAll('[data-points]')].some((e) => Number(e.getAttribute('data-points')) > 0)`
    : `[...document.querySelectorAll('[data-points]')].some((e) => Number(e.getAttribute('data-points')) > 0)`;

const categories = process.env.BENCH_TRACE_CATEGORIES?.split(',') ?? [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'v8.gc',
  'blink',
  'cc',
  'scheduler',
];

/** CLOCK_MONOTONIC in µs: the clock of Chromium's trace timestamps (TimeTicks) on Linux. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

interface SchedSample {
  at: number;
  run: number;
  wait: number;
}

/** Run-queue wait (µs) of the thread between two instants, interpolated between samples. */
function waitBetween(samples: SchedSample[], from: number, to: number): number {
  const at = (t: number) => {
    const i = samples.findIndex((s) => s.at >= t);
    if (i <= 0) return samples[Math.max(0, i)]?.wait ?? 0;
    const a = samples[i - 1];
    const b = samples[i];
    if (!a || !b) return 0;
    return a.wait + ((b.wait - a.wait) * (t - a.at)) / Math.max(1, b.at - a.at);
  };
  return at(to) - at(from);
}

const server = await startChild<{ bff: string; adminPassword: string }>(
  '../servers/console-bff.ts',
  [profilingBuild({ minify: true }), String(integrationCount)],
  1,
);
const browser = await launchChromium(placement === 'pinned' ? 0 : undefined);
try {
  await browser.startTracing(undefined, { categories: ['toplevel'] });
  await browser.stopTracing();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const login = await context.newPage();
  await login.goto(`${server.info.bff}/healthz`);
  await login.evaluate(`fetch('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf': '1' },
    body: JSON.stringify({ username: 'admin', password: ${JSON.stringify(server.info.adminPassword)} }) })`);
  await login.close();
  await context.addInitScript(`(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    try { localStorage.removeItem('switchboard.perf-flags'); } catch {}
  })();`);
  const tab = await context.newPage();
  // BENCH_TRACE_FROM=load: trace from before the navigation, to see the tasks around the first
  // render too (they are listed with negative times).
  const fromLoad = process.env.BENCH_TRACE_FROM === 'load';
  if (fromLoad) await browser.startTracing(undefined, { categories });
  await tab.goto(`${server.info.bff}${path}`, { waitUntil: 'load' });
  let firstRender = 0;
  while (firstRender === 0) {
    firstRender = Number(await tab.evaluate(`Boolean(${ready}) ? performance.now() : 0`));
    if (firstRender === 0) await new Promise((r) => setTimeout(r, 50));
  }
  // The page's clock against CLOCK_MONOTONIC, to within the evaluate's round trip.
  const before = nowUs();
  const pageNow = Number(await tab.evaluate('performance.now()'));
  const after = nowUs();
  const pageToMono = (ms: number) => (before + after) / 2 + (ms - pageNow) * 1000;
  const firstRenderMono = pageToMono(firstRender);

  const pids = rendererPids();
  const samples = new Map<number, SchedSample[]>();
  const read = () => {
    const at = nowUs();
    for (const pid of pids) {
      try {
        const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')
          .split(' ')
          .map(Number);
        const list = samples.get(pid) ?? [];
        list.push({ at, run: (run ?? 0) / 1000, wait: (wait ?? 0) / 1000 });
        samples.set(pid, list);
      } catch {
        // A spare renderer that ended.
      }
    }
  };
  // BENCH_TRACE_DELAY (ms): start tracing that long after the first render (does starting a trace
  // make a long task of its own?).
  await new Promise((r) => setTimeout(r, Number(process.env.BENCH_TRACE_DELAY ?? '0')));
  const tracingAt = (Number(await tab.evaluate('performance.now()')) - firstRender) / 1000;
  if (!fromLoad) await browser.startTracing(undefined, { categories });
  const tracingStarted = (Number(await tab.evaluate('performance.now()')) - firstRender) / 1000;
  console.log(
    `tracing started ${tracingAt.toFixed(2)}–${tracingStarted.toFixed(2)} s after the first render`,
  );
  const timer = setInterval(read, 5);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(timer);
  read();
  const buffer = await browser.stopTracing();
  if (process.env.BENCH_TRACE_OUT) writeFileSync(process.env.BENCH_TRACE_OUT, buffer);
  const longTasks = JSON.parse(
    String(await tab.evaluate('JSON.stringify(window.__longTasks)')),
  ) as { start: number; duration: number }[];

  const raw = JSON.parse(buffer.toString('utf8')) as { traceEvents: unknown[] };
  const events = raw.traceEvents.flatMap((e) => {
    const parsed = TraceEventSchema.safeParse(e);
    return parsed.success ? [parsed.data] : [];
  });
  const threadNames = new Map<string, string>();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name)
      threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
  const isMain = (e: TraceEvent) => threadNames.get(`${e.pid}:${e.tid}`) === 'CrRendererMain';
  const tasksByPid = new Map<number, TraceEvent[]>();
  for (const e of events)
    if (e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && isMain(e))
      tasksByPid.set(e.pid, [...(tasksByPid.get(e.pid) ?? []), e]);
  // The page's renderer: the one busiest after the first render (a trace from the load also holds
  // the sign-in tab's and spare renderers' loads).
  const busyAfter = (list: TraceEvent[]) =>
    list.reduce((s, e) => s + ((e.ts ?? 0) > firstRenderMono ? (e.dur ?? 0) : 0), 0);
  const [pagePid, tasks = []] =
    [...tasksByPid].sort((a, b) => busyAfter(b[1]) - busyAfter(a[1]))[0] ?? [];
  const onMain = events.filter(
    (e) => e.pid === pagePid && isMain(e) && e.ts !== undefined && e.ph === 'X',
  );
  const sched = samples.get(pagePid ?? -1) ?? [];
  const totalWait = (sched.at(-1)?.wait ?? 0) - (sched[0]?.wait ?? 0);
  const totalRun = (sched.at(-1)?.run ?? 0) - (sched[0]?.run ?? 0);
  console.log(
    `${path}, ${seconds} s after the first render, Chromium ${placement}; renderer main thread ` +
      `(pid ${pagePid}): ${(totalRun / 1000).toFixed(0)} ms on a core, ${(totalWait / 1000).toFixed(0)} ms ` +
      `waiting for one (schedstat, ${sched.length} samples)`,
  );
  const after50 = longTasks.filter((t) => fromLoad || t.start >= firstRender);
  console.log(
    `long-task observer after first render: ${after50.length}: ${after50
      .map((t) => `${((t.start - firstRender) / 1000).toFixed(2)} s ${t.duration.toFixed(0)} ms`)
      .join(', ')}`,
  );
  console.log(
    '\nmain-thread tasks over the threshold (s after first render: wall/CPU ms, run-queue wait):',
  );
  for (const task of tasks) {
    const ts = task.ts ?? 0;
    const dur = task.dur ?? 0;
    if (dur < thresholdUs && (task.tdur ?? dur) < thresholdUs) continue;
    const inside = onMain.filter((e) => e !== task && (e.ts ?? 0) >= ts && (e.ts ?? 0) < ts + dur);
    const top = inside
      .toSorted((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
      .slice(0, 10)
      .map((e) => {
        // What JS ran: the function (and its script's file and line) a FunctionCall names.
        const data = (
          e.args as { data?: { functionName?: string; url?: string; lineNumber?: number } }
        )?.data;
        const where =
          e.name === 'FunctionCall' && data
            ? ` (${data.functionName || 'anonymous'} ${data.url?.split('/').pop() ?? ''}:${data.lineNumber ?? ''})`
            : '';
        return `${e.name}${where} ${((e.dur ?? 0) / 1000).toFixed(1)}/${((e.tdur ?? e.dur ?? 0) / 1000).toFixed(1)}`;
      });
    const gc = inside
      .filter((e) => /GC|Scavenge|MarkCompact|Sweep/i.test(e.name))
      .reduce((s, e) => s + (e.dur ?? 0), 0);
    const args = JSON.stringify(task.args ?? {}).slice(0, 160);
    console.log(
      `  ${((ts - firstRenderMono) / 1e6).toFixed(2)} s (clock ${(ts / 1e6).toFixed(3)}): ${(dur / 1000).toFixed(1)}/${((task.tdur ?? dur) / 1000).toFixed(1)} ms, ` +
        `waited ${(waitBetween(sched, ts, ts + dur) / 1000).toFixed(1)} ms for a core, GC events ${(gc / 1000).toFixed(1)} ms; ${args}\n      ${top.join('\n      ')}`,
    );
  }
} finally {
  await browser.close();
  await server.stop();
}
