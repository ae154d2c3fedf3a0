// The fan-out scenario's processes: 5 sandbox upstreams (20 ms each), the real BFF with a view over
// them (signed in), and the minimal Hono + undici peer over the same upstream URLs.
import { sandboxProviders } from '@switchboard/bff/sandbox/providers';
import { fanOutProviders } from '../servers/fan-out-providers';
import { startChild, type Child } from './child';
import { useSession } from './session';

export interface FanOutStack {
  upstreams: Child<{ upstreams: Record<string, string> }>;
  switchboard: Child<{ bff: string; cookie: string }>;
  peer: Child<{ url: string }>;
  /** Per-operation URLs of the upstreams (the floor calls one of them directly). */
  operationUrls: string[];
  stop: () => Promise<void>;
}

export async function startFanOutStack(cores: {
  server: number;
  upstreams: number;
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
  return {
    upstreams,
    switchboard,
    peer,
    operationUrls,
    stop: async () => {
      await Promise.all([peer.stop(), switchboard.stop()]);
      await upstreams.stop();
    },
  };
}
