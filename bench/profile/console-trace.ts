// Where the console's main thread spends its time on one page, beyond JavaScript: a Chromium trace
// (devtools.timeline) of the profiling build with 50 integrations live, the renderer main thread's
// events summed by name as self time (wall and thread CPU, ms per second). Complements
// console-cpu.ts (JS functions only): style recalculation, layout, paint, GC and parsing show here.
// `npx tsx profile/console-trace.ts / 15 [pinned|unpinned]` (path, seconds, where Chromium runs;
// `BENCH_WEB_DIR` reuses a profiling build). Run it under the lock.
import { writeFileSync } from 'node:fs';
import { openLiveConsole, profilingBuild } from '../lib/console-profiling';
import { TraceEventSchema, type TraceEvent } from '../lib/main-thread-trace';

const [path = '/', secondsArg = '15', placement = 'unpinned'] = process.argv.slice(2);
const seconds = Number(secondsArg);

/** Self time by event name on the busiest renderer main thread (complete events only). */
function selfTimes(
  events: TraceEvent[],
): Map<string, { wall: number; cpu: number; count: number }> {
  const mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || !mains.has(key) || e.ts === undefined || e.dur === undefined) continue;
    byThread.set(key, [...(byThread.get(key) ?? []), e]);
  }
  const busiest = [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  // Longest first at equal starts, so a parent precedes its children.
  const sorted = busiest.toSorted(
    (a, b) => (a.ts ?? 0) - (b.ts ?? 0) || (b.dur ?? 0) - (a.dur ?? 0),
  );
  const totals = new Map<string, { wall: number; cpu: number; count: number }>();
  const stack: { end: number; name: string; wall: number; cpu: number }[] = [];
  const pop = () => {
    const done = stack.pop();
    if (!done) return;
    const t = totals.get(done.name) ?? { wall: 0, cpu: 0, count: 0 };
    t.wall += done.wall;
    t.cpu += done.cpu;
    t.count += 1;
    totals.set(done.name, t);
  };
  for (const e of sorted) {
    const ts = e.ts ?? 0;
    const dur = e.dur ?? 0;
    const tdur = e.tdur ?? dur;
    while (stack.length > 0 && (stack.at(-1)?.end ?? 0) <= ts) pop();
    const parent = stack.at(-1);
    if (parent) {
      parent.wall -= dur;
      parent.cpu -= tdur;
    }
    stack.push({ end: ts + dur, name: e.name, wall: dur, cpu: tdur });
  }
  while (stack.length > 0) pop();
  return totals;
}

/** The main thread's outermost tasks over 15 ms, each with the events that took longest inside. */
function longTasks(events: TraceEvent[]): string[] {
  const mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const onMain = events.filter(
    (e) => e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`) && e.ts !== undefined,
  );
  const tasks = onMain.filter((e) => e.name === 'ThreadControllerImpl::RunTask');
  const first = Math.min(...tasks.map((t) => t.ts ?? 0));
  const lines: string[] = [];
  for (const task of tasks) {
    const ts = task.ts ?? 0;
    const dur = task.dur ?? 0;
    const cpu = task.tdur ?? dur;
    if (dur < 15_000 && cpu < 15_000) continue;
    const inside = onMain
      .filter((e) => e !== task && (e.ts ?? 0) >= ts && (e.ts ?? 0) < ts + dur)
      .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
      .slice(0, 6)
      .map(
        (e) =>
          `${e.name} ${((e.dur ?? 0) / 1000).toFixed(1)}/${((e.tdur ?? e.dur ?? 0) / 1000).toFixed(1)}`,
      );
    lines.push(
      `  at ${((ts - first) / 1e6).toFixed(2)} s: ${(dur / 1000).toFixed(1)}/${(cpu / 1000).toFixed(1)} ms: ${inside.join(', ')}`,
    );
  }
  return lines;
}

const { browser, close } = await openLiveConsole(
  profilingBuild({ minify: true }),
  path,
  placement === 'pinned' ? 0 : undefined,
);
try {
  await browser.startTracing(undefined, {
    categories: [
      'toplevel',
      'devtools.timeline',
      'blink',
      'v8',
      'disabled-by-default-devtools.timeline',
    ],
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const buffer = await browser.stopTracing();
  // BENCH_TRACE_OUT: keep the raw trace (it opens in chrome://tracing or Perfetto).
  if (process.env.BENCH_TRACE_OUT) writeFileSync(process.env.BENCH_TRACE_OUT, buffer);
  const raw = JSON.parse(buffer.toString('utf8')) as { traceEvents: unknown[] };
  const events = raw.traceEvents.flatMap((e) => {
    const parsed = TraceEventSchema.safeParse(e);
    return parsed.success ? [parsed.data] : [];
  });
  const rows = [...selfTimes(events)].sort((a, b) => b[1].cpu - a[1].cpu);
  const all = rows.reduce((s, [, t]) => s + t.cpu, 0) / 1000 / seconds;
  console.log(
    `trace of ${path}, ${seconds} s, Chromium ${placement}; self time, ms per second (wall / thread CPU / count per s):`,
  );
  for (const [name, t] of rows.slice(0, 40))
    console.log(
      `${(t.wall / 1000 / seconds).toFixed(2).padStart(8)} ${(t.cpu / 1000 / seconds).toFixed(2).padStart(8)} ${(t.count / seconds).toFixed(1).padStart(7)}  ${name}`,
    );
  console.log(`(main thread, all events: ${all.toFixed(1)} ms/s of thread CPU)`);
  console.log(
    '\nTasks over 15 ms of wall or CPU time, with the longest events inside (wall/CPU ms):',
  );
  for (const line of longTasks(events)) console.log(line);
} finally {
  await close();
}
