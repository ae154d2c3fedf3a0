// The breaker-open server (servers/breaker-open.ts) as the profiling aids drive it: in a process of
// its own on core 1 with the caller's Node flags, every line it prints left to the caller (each aid
// reads its own protocol from them), then signed in with the users integration's breaker forced open.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { sessionHeaders, useSession } from './session';

/** The paths the aids drive: the view whose only upstream's breaker is open, and two controls. */
const paths: Record<string, string> = {
  view: '/api/views/users',
  healthz: '/healthz',
  constant: '/api/views/-/constant',
};

/** Starts the server (`taskset` execs node in place, so the child's pid is the server's). */
export function spawnBreakerOpenServer(nodeArgs: string[]) {
  const child = spawn(
    'taskset',
    ['-c', '1', process.execPath, ...nodeArgs, '--import', 'tsx', 'servers/breaker-open.ts'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return { child, lines: createInterface({ input: child.stdout }) };
}

/** The path an aid was asked to drive; checked before the server starts, so a typo costs nothing. */
export function breakerOpenPath(path: string): string {
  const target = paths[path];
  if (target === undefined)
    throw new Error(`unknown path ${path}: one of ${Object.keys(paths).join(', ')}`);
  return target;
}

/** Uses the server's session and forces the users integration's breaker open. */
export async function forceUsersBreakerOpen(bff: string, cookie: string): Promise<void> {
  useSession(bff, cookie);
  const forced = await request(`${bff}/api/integrations/users/breaker`, {
    method: 'POST',
    headers: { ...sessionHeaders(bff), 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'force-open' }),
  });
  await forced.body.dump();
}
