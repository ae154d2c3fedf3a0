// CPU time of this process's threads, read from /proc (Linux), for the profiles that split the
// cost of a job or a delivery by thread (main, libuv pool, V8 helpers, worker threads).
import { readdirSync, readFileSync } from 'node:fs';

/**
 * User + system ms per thread (10 ms clock ticks). The main thread is `main`; others are keyed by
 * name, threads of one name summed, or with `perThread` each on its own (`name:tid@start`).
 */
export function threadCpuMs(options: { perThread?: boolean } = {}): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const key =
      tid === String(process.pid)
        ? 'main'
        : options.perThread
          ? `${name}:${tid}@${fields[19]}`
          : name;
    out.set(key, (out.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10);
  }
  return out;
}
