// `npm start`: install with the pinned pnpm, build the console, run the BFF (sandbox on by default).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pnpm, root } from './pnpm.mjs';

const step = (label, args) => {
  process.stdout.write(`\n> ${label}\n`);
  const status = pnpm(args);
  if (status !== 0) {
    process.stderr.write(`\n${label} failed (exit ${status}); see the output above.\n`);
    process.exit(status);
  }
};

step('Installing dependencies', ['install', '--frozen-lockfile', '--prefer-offline']);
step('Building the console', ['--filter', '@switchboard/web', 'run', 'build']);

process.stdout.write('\n> Starting Switchboard\n');
// One process, no wrapper: signals reach the server directly and it shuts down gracefully.
const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.node.ts'], {
  cwd: join(root, 'apps/bff'),
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
