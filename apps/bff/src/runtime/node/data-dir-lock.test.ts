// The data directory lock: a second holder, in this process or another, is refused with a message
// a person can act on; a release or the holder's death frees the directory.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config';
import { lockDataDir } from './data-dir-lock';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-lock-'));
  dirs.push(dir);
  return dir;
};

// Another Node process taking the same lock through this module.
const lockInChild = (dir: string, hold: boolean) => {
  const script =
    `const { lockDataDir } = await import(${JSON.stringify(new URL('./data-dir-lock.ts', import.meta.url).href)});` +
    `try { lockDataDir(${JSON.stringify(dir)}); console.log('locked'); } catch (e) { console.log(e.name + ': ' + e.message); }` +
    (hold ? 'setInterval(() => {}, 1000);' : '');
  return [process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]] as const;
};
// The bff package, where `tsx` resolves, whichever directory the test runner started in.
const cwd = fileURLToPath(new URL('../../..', import.meta.url));

describe('lockDataDir', () => {
  it('refuses a second holder in the same process until the first releases', () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(ConfigError);
    expect(() => lockDataDir(dir)).toThrow(/another Switchboard process is using this directory/);
    release();
    lockDataDir(dir)();
  });

  it('refuses another process while held, and frees the directory when its holder is killed', async () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    const [node, args] = lockInChild(dir, false);
    const refused = await promisify(execFile)(node, args, { cwd });
    expect(refused.stdout).toMatch(/^ConfigError: The data directory is in use:/);
    expect(refused.stdout).toContain(`SWITCHBOARD_DATA_DIR=${dir}`);
    release();

    const holder = spawn(...lockInChild(dir, true), { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: holder.stdout }), 'line')) as [string];
    expect(line).toBe('locked');
    expect(() => lockDataDir(dir)).toThrow(ConfigError);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    lockDataDir(dir)();
  });

  it('takes no lock for an in-memory data directory', () => {
    lockDataDir(':memory:')();
    lockDataDir(':memory:')();
  });
});
