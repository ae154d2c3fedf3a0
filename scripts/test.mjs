// `npm test`: install what is missing, then run every check and suite, and print one summary line.
// Each check (typecheck, lint, format, build) counts as one test; Vitest and Playwright count theirs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pnpm, root } from './pnpm.mjs';

const resultsDir = join(root, '.test-results');
const tally = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    ...options,
    env: { ...process.env, ...options.env },
  });
  if (result.error) {
    process.stderr.write(`${command}: ${result.error.message}\n`);
    return 1;
  }
  return result.status ?? 1;
}

function check(label, runIt) {
  process.stdout.write(`\n> ${label}\n`);
  const ok = runIt() === 0;
  if (ok) tally.passed += 1;
  else {
    tally.failed += 1;
    failures.push(label);
  }
  return ok;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return 0;
  process.stdout.write("Chromium is missing: installing Debian's package.\n");
  const asRoot = process.getuid?.() === 0;
  const apt = (args) => (asRoot ? run('apt-get', args) : run('sudo', ['-n', 'apt-get', ...args]));
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  if (
    run(
      asRoot ? 'apt-get' : 'sudo',
      asRoot ? ['update', '-qq'] : ['-n', 'apt-get', 'update', '-qq'],
      { env },
    ) !== 0
  )
    return 1;
  return apt(['install', '-y', '-qq', 'chromium']);
}

const bin = (name) => join(root, 'node_modules/.bin', name);

rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

process.stdout.write('> Installing dependencies\n');
if (pnpm(['install', '--frozen-lockfile', '--prefer-offline']) !== 0) {
  process.stdout.write('\n0 passed, 1 failed\n');
  process.exit(1);
}

check('Chromium (Debian package)', ensureChromium);
check('Typecheck', () => pnpm(['-r', 'run', 'typecheck']));
check('Lint', () => run(bin('eslint'), ['.', '--max-warnings', '0']));
check('Format', () => run(bin('prettier'), ['--check', '.', '--log-level', 'warn']));
const built = check('Build the console', () =>
  pnpm(['--filter', '@switchboard/web', 'run', 'build']),
);

// Unit and integration tests (Vitest, every package in one run).
process.stdout.write('\n> Vitest\n');
const vitestJson = join(resultsDir, 'vitest.json');
const vitestStatus = run(bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
const vitest = readJson(vitestJson);
if (vitest) {
  tally.passed += vitest.numPassedTests;
  tally.failed += vitest.numFailedTests;
  tally.skipped += vitest.numPendingTests + vitest.numTodoTests;
  if (vitest.numFailedTests > 0) failures.push(`Vitest: ${vitest.numFailedTests} failed`);
}
if (vitestStatus !== 0 && (!vitest || vitest.numFailedTests === 0)) {
  tally.failed += 1;
  failures.push('Vitest exited with an error');
}

// End-to-end journeys in Chromium (Playwright starts the BFF itself).
if (built && existsSync('/usr/bin/chromium')) {
  process.stdout.write('\n> Playwright (Chromium)\n');
  const pwJson = join(resultsDir, 'playwright.json');
  const pwStatus = run(
    join(root, 'e2e/node_modules/.bin/playwright'),
    ['test', '--reporter=list,json'],
    {
      cwd: join(root, 'e2e'),
      env: { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson },
    },
  );
  const stats = readJson(pwJson)?.stats;
  if (stats) {
    tally.passed += stats.expected;
    tally.failed += stats.unexpected + stats.flaky;
    tally.skipped += stats.skipped;
    if (stats.unexpected + stats.flaky > 0)
      failures.push(`Playwright: ${stats.unexpected + stats.flaky} failed or flaky`);
  }
  if (pwStatus !== 0 && (!stats || stats.unexpected + stats.flaky === 0)) {
    tally.failed += 1;
    failures.push('Playwright exited with an error');
  }
} else {
  tally.failed += 1;
  failures.push('Playwright not run: the console did not build or Chromium is missing');
}

if (failures.length > 0)
  process.stdout.write(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
const skipped = tally.skipped > 0 ? `, ${tally.skipped} skipped` : '';
process.stdout.write(`\n${tally.passed} passed, ${tally.failed} failed${skipped}\n`);
process.exit(tally.failed > 0 ? 1 : 0);
