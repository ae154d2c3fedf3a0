// A benchmark process driven over stdin/stdout: one JSON command per line in, one JSON answer per line out.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Interactive<T> {
  /** The first line the process printed once ready. */
  info: T;
  ask<R>(command: Record<string, unknown>): Promise<R>;
  stop(): Promise<void>;
}

/**
 * @param core the CPU the process runs on (`taskset -c`).
 * @example const server = await startInteractive('../servers/stream-floor.ts', ['ws'], 1);
 */
export async function startInteractive<T>(
  script: string,
  args: string[],
  core: number,
): Promise<Interactive<T>> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child: ChildProcess = spawn(
    'taskset',
    [
      '-c',
      String(core),
      process.execPath,
      '--expose-gc',
      '--max-old-space-size=4096',
      '--import',
      'tsx',
      path,
      ...args,
    ],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['pipe', 'pipe', 'inherit'] },
  );
  if (!child.stdout || !child.stdin) throw new Error('no stdio for benchmark process');
  const stdin = child.stdin;
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  const ready = new Promise<string>((resolve) => waiting.push(resolve));
  lines.on('line', (line) => waiting.shift()?.(line));
  const exited = once(child, 'exit').then(() => {
    throw new Error(`${script} exited`);
  });
  exited.catch(() => undefined);
  const info = JSON.parse(await Promise.race([ready, exited])) as T;
  return {
    info,
    async ask<R>(command: Record<string, unknown>) {
      const answer = new Promise<string>((resolve) => waiting.push(resolve));
      stdin.write(`${JSON.stringify(command)}\n`);
      return JSON.parse(await Promise.race([answer, exited])) as R;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

/** Serves commands on stdin, one JSON answer line each, in order. */
export function serveCommands(handle: (command: Record<string, unknown>) => Promise<unknown>) {
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    queue = queue.then(async () => {
      const answer = await handle(JSON.parse(line) as Record<string, unknown>).catch(
        (err: unknown) => ({ error: String(err) }),
      );
      process.stdout.write(`${JSON.stringify(answer ?? {})}\n`);
    });
  });
}

/** RSS after a full collection, when the process runs with --expose-gc. */
export function memoryAfterGc(): { rss: number; heapUsed: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}
