// Profiling aid for a benchmark server: a CPU profile of the next `ms` milliseconds, taken in the
// process itself (node:inspector), summarised as self time by function. Only used on demand by
// bench/profile/stream-cpu.ts; a benchmark run never starts the profiler.
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Self time (ms) of the heaviest functions over `ms`, with the share of the non-idle time. */
export async function cpuProfile(ms: number, top = 25) {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    await new Promise((resolve) => setTimeout(resolve, ms));
    const { profile } = (await session.post('Profiler.stop')) as {
      profile: { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
    };
    const perSample = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
    const byName = new Map<string, number>();
    let busy = 0;
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)' || functionName === '(program)' || hits === 0) continue;
      const file = url.replace(/^.*\/(node_modules\/(\.pnpm\/)?)?/, '');
      const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
      byName.set(key, (byName.get(key) ?? 0) + hits * perSample);
      busy += hits * perSample;
    }
    return {
      busyMs: busy,
      top: [...byName]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / busy })),
    };
  } finally {
    session.disconnect();
  }
}
