// The fan-out scenario's processes: 5 sandbox upstreams (20 ms each), the real BFF with a view over
// them (signed in), the minimal Hono + undici peer and the bare node:http fan-out over the same
// upstream URLs.
import { sandboxProviders } from '@switchboard/bff/sandbox/providers';
import { spawnSync } from 'node:child_process';
import { fanOutProviders } from '../servers/fan-out-providers';
import { startChild, type Child } from './child';
import { useSession } from './session';

export interface FanOutStack {
  upstreams: Child<{ upstreams: Record<string, string> }>;
  switchboard: Child<{ bff: string; cookie: string }>;
  peer: Child<{ url: string }>;
  /** node:http server + one client pool per upstream, no framework (servers/bare-peer.ts). */
  bare: Child<{ url: string }>;
  /** Per-operation URLs of the upstreams (the floor calls one of them directly). */
  operationUrls: string[];
  stop: () => Promise<void>;
}

export async function startFanOutStack(cores: {
  server: number;
  upstreams: number;
  /** The bare fan-out's client: `undici` (Pool per origin, the default) or `http` (node:http Agent). */
  bareClient?: string;
}): Promise<FanOutStack> {
  const upstreams = await startChild<{ upstreams: Record<string, string> }>(
    '../servers/upstreams.ts',
    ['20'],
    cores.upstreams,
  );
  const switchboard = await startChild<{ bff: string; cookie: string }>(
    '../servers/switchboard.ts',
    [JSON.stringify(upstreams.info.upstreams)],
    cores.server,
  );
  useSession(switchboard.info.bff, switchboard.info.cookie);
  const operationUrls = sandboxProviders
    .filter((p) => fanOutProviders.includes(p.name))
    .map((p) => new URL(p.summary.path.slice(1), upstreams.info.upstreams[p.name]).toString());
  const peer = await startChild<{ url: string }>(
    '../servers/peer.ts',
    [JSON.stringify(operationUrls)],
    cores.server,
  );
  const bare = await startChild<{ url: string }>(
    '../servers/bare-peer.ts',
    [JSON.stringify(operationUrls), cores.bareClient ?? 'undici'],
    cores.server,
  );
  return {
    upstreams,
    switchboard,
    peer,
    bare,
    operationUrls,
    stop: async () => {
      await Promise.all([bare.stop(), peer.stop(), switchboard.stop()]);
      await upstreams.stop();
    },
  };
}

/**
 * Pins this process (the load generator, every thread) to one core; returns how to undo it. Left
 * unpinned, the scheduler moves it between cores: on the servers' core it takes their CPU, and
 * it changes which hops cross cores from one round to the next (one request at a time, measured:
 * on core 0 the view was 2.1 ms over the floor, on core 1 3.3 ms).
 */
export function pinSelf(core: number): () => void {
  const pid = String(process.pid);
  const current = spawnSync('taskset', ['-pc', pid], { encoding: 'utf8' });
  const before = /:\s*([\d,-]+)\s*$/.exec(current.stdout)?.[1];
  spawnSync('taskset', ['-a', '-pc', String(core), pid], { stdio: 'ignore' });
  return () => {
    if (before !== undefined) spawnSync('taskset', ['-a', '-pc', before, pid], { stdio: 'ignore' });
  };
}
