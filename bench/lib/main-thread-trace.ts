// Reads a Chromium trace (category `toplevel`) for the renderer main thread's tasks: their wall-clock
// duration (`dur`) and the CPU time the thread spent in them (`tdur`). On a shared machine a task's
// wall time includes the time its thread waited for a core; its thread time does not, so tasks and
// busy time are reported both ways.
import { z } from 'zod';

export const TraceEventSchema = z.object({
  name: z.string(),
  ph: z.string(),
  pid: z.number(),
  tid: z.number(),
  ts: z.number().optional(),
  dur: z.number().optional(),
  tdur: z.number().optional(),
  args: z.object({ name: z.string().optional() }).passthrough().optional(),
});
export type TraceEvent = z.infer<typeof TraceEventSchema>;
/** One task of a thread's scheduler; everything else on the thread runs inside one. */
const taskEvent = 'ThreadControllerImpl::RunTask';
const TraceSchema = z.object({ traceEvents: z.array(z.unknown()) });

export interface MainThreadTasks {
  /** Wall-clock span of the trace on that thread (ms): first task start to last task end. */
  spanMs: number;
  /** The first task's start on the trace clock (µs of CLOCK_MONOTONIC on Linux): tasks' `startMs` is from here. */
  originUs: number;
  tasks: { startMs: number; wallMs: number; cpuMs: number }[];
}

/**
 * @param trace the buffer `browser.stopTracing()` returns, traced with the `toplevel` category.
 * @param fromUs only the tasks that start at or after this instant of the trace clock (and the span
 *   from it), e.g. the page's first render when the trace started before the navigation.
 * @returns the tasks of the busiest `CrRendererMain` thread (the page's, not a spare renderer's).
 */
export function mainThreadTasks(trace: Buffer, fromUs?: number): MainThreadTasks {
  const events = TraceSchema.parse(JSON.parse(trace.toString('utf8')))
    .traceEvents.map((e) => TraceEventSchema.safeParse(e))
    .flatMap((r) => (r.success ? [r.data] : []));
  // Renderer main threads: named CrRendererMain, or (when the name metadata is missing) the
  // thread whose id is its process id and that runs Blink's microtask checkpoints.
  const mainThreads = new Set(
    events
      .filter(
        (e) =>
          (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain') ||
          (e.tid === e.pid && e.name.startsWith('BlinkScheduler_')),
      )
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const byThread = new Map<string, { ts: number; dur: number; tdur: number }[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    // Complete events only: a task still running when tracing stopped has no duration yet.
    if (e.ph !== 'X' || e.name !== taskEvent || !mainThreads.has(key)) continue;
    if (e.ts === undefined || e.dur === undefined) continue;
    const list = byThread.get(key) ?? [];
    // Thread time is missing on a few events; their wall time is then the bound.
    list.push({ ts: e.ts, dur: e.dur, tdur: e.tdur ?? e.dur });
    byThread.set(key, list);
  }
  const busiest = [...byThread.values()]
    .map((list) => list.toSorted((a, b) => a.ts - b.ts))
    // Busiest over the counted span: a trace from before the navigation also holds other
    // renderers' loads (a light page's own tasks can sum to less than a spare renderer's start).
    .sort((a, b) => sumOf(b, fromUs) - sumOf(a, fromUs))[0];
  if (!busiest || busiest.length === 0) return { spanMs: 0, originUs: 0, tasks: [] };
  // Only outermost tasks: a nested run loop's tasks are already inside their parent's duration.
  const outer: { ts: number; dur: number; tdur: number }[] = [];
  let end = -Infinity;
  for (const task of busiest) {
    if (task.ts < end) continue;
    end = task.ts + task.dur;
    // Counted like the long-task observer's entries: by where a task starts.
    if (fromUs === undefined || task.ts >= fromUs) outer.push(task);
  }
  if (outer.length === 0) return { spanMs: 0, originUs: fromUs ?? 0, tasks: [] };
  const first = fromUs ?? outer[0]?.ts ?? 0;
  return {
    spanMs: (end - first) / 1000,
    originUs: first,
    tasks: outer.map((t) => ({
      startMs: (t.ts - first) / 1000,
      wallMs: t.dur / 1000,
      cpuMs: t.tdur / 1000,
    })),
  };
}

const sumOf = (list: { ts: number; dur: number }[], fromUs = -Infinity) =>
  list.reduce((sum, t) => sum + (t.ts >= fromUs ? t.dur : 0), 0);
