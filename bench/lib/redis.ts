// A throwaway local redis-server for peer benchmarks: Debian's package (installed with apt-get when
// missing), on a free loopback port, its data in a temporary directory removed on stop.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisInstance {
  host: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** How the append-only file is synced: on every write (before the reply) or once a second. */
export type AppendFsync = 'always' | 'everysec';

function hasRedis(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs Debian's redis-server when it is not there (root on these machines). */
export function ensureRedisInstalled(): void {
  if (hasRedis()) return;
  console.log('redis-server not found: installing it with apt-get');
  const apt = (args: string[]) =>
    execFileSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    apt(['install', '-y', 'redis-server']);
  } catch {
    apt(['update']);
    apt(['install', '-y', 'redis-server']);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts redis-server with the append-only file on (`appendfsync` as given) and RDB snapshots off,
 * pinned to `core`. Resolves once it accepts connections.
 */
export async function startRedis(options: {
  appendfsync: AppendFsync;
  core: number;
}): Promise<RedisInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'taskset',
    [
      '-c',
      String(options.core),
      'redis-server',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      options.appendfsync,
      '--save',
      '',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`redis-server exited with ${String(code)}`);
  });
  exited.catch(() => undefined);
  // Ready once it answers PING.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pong = await Promise.race([ping(port), exited]);
    if (pong) break;
    if (Date.now() > deadline) throw new Error('redis-server did not start within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: '127.0.0.1',
    port,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ping(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
