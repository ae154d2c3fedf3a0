// Runs the pnpm version pinned in package.json#packageManager without a global install:
// a fresh machine has only Node and npm, so we go through `npx -y pnpm@<version>`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function pnpmVersion() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const match = /^pnpm@(\d+\.\d+\.\d+)$/.exec(pkg.packageManager ?? '');
  if (!match) throw new Error('package.json#packageManager must be "pnpm@x.y.z"');
  return match[1];
}

/** Runs pnpm with the given arguments; returns the exit status. */
export function pnpm(args, options = {}) {
  const result = spawnSync('npx', ['-y', `pnpm@${pnpmVersion()}`, ...args], {
    cwd: root,
    stdio: 'inherit',
    ...options,
    env: { ...process.env, npm_config_update_notifier: 'false', ...options.env },
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(pnpm(process.argv.slice(2)));
}
