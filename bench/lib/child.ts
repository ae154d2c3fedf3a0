// Starts a benchmark server in its own process, pinned to one core, and reads the JSON line it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Child<T> {
  info: T;
  /** The server's process id (`taskset` execs node in place). */
  pid: number;
  stop(): Promise<void>;
}

/** @param core the CPU the server runs on; the load generator stays on the other one. */
export async function startChild<T>(
  script: string,
  args: string[],
  core: number,
): Promise<Child<T>> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child: ChildProcess = spawn(
    'taskset',
    [
      '-c',
      String(core),
      process.execPath,
      // Extra Node flags for the servers only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      path,
      ...args,
    ],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (!child.stdout) throw new Error('no stdout from benchmark server');
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`${script} exited before it was ready`);
    }),
  ])) as [string];
  return {
    info: JSON.parse(line) as T,
    pid: child.pid ?? 0,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
