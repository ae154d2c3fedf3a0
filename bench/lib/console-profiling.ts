// What the console profiling scripts (profile/console-cpu.ts, profile/console-trace.ts) share: a
// profiling build of the web app, and one signed-in page of it with 50 integrations live.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { startChild } from './child';
import { launchChromium } from './chromium';

const webRoot = fileURLToPath(new URL('../../apps/web/', import.meta.url));

/** A `--mode profile` build in a temporary folder, or `BENCH_WEB_DIR` when set (a build made before). */
export function profilingBuild(options: { minify: boolean }): string {
  if (process.env.BENCH_WEB_DIR) return process.env.BENCH_WEB_DIR;
  const outDir = mkdtempSync(join(tmpdir(), 'switchboard-web-prof-'));
  const built = spawnSync(
    join(webRoot, 'node_modules/.bin/vite'),
    [
      'build',
      '--mode',
      'profile',
      ...(options.minify ? [] : ['--minify', 'false']),
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: webRoot, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (built.status !== 0) throw new Error('build failed');
  return outDir;
}

export interface LiveConsolePage {
  browser: Browser;
  context: BrowserContext;
  tab: Page;
  close: () => Promise<void>;
}

/**
 * Starts the console bench BFF (50 integrations) serving `webDir` on core 1, signs in as admin and
 * opens `path`, then waits 8 s so the page is past its first render and on live updates.
 * @example const page = await openLiveConsole(profilingBuild({ minify: false }), '/', undefined);
 */
export async function openLiveConsole(
  webDir: string,
  path: string,
  /** Chromium's core, or undefined to let it use both (as console.ts does; see lib/chromium.ts). */
  browserCore: number | undefined,
): Promise<LiveConsolePage> {
  const server = await startChild<{ bff: string; adminPassword: string }>(
    '../servers/console-bff.ts',
    [webDir, '50'],
    1,
  );
  const browser = await launchChromium(browserCore);
  const close = async () => {
    await browser.close();
    await server.stop();
  };
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const tab = await context.newPage();
    await tab.goto(`${server.info.bff}/healthz`);
    await tab.evaluate(`fetch('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf': '1' },
    body: JSON.stringify({ username: 'admin', password: ${JSON.stringify(server.info.adminPassword)} }) })`);
    await tab.goto(`${server.info.bff}${path}`);
    await new Promise((r) => setTimeout(r, 8000));
    return { browser, context, tab, close };
  } catch (error) {
    await close();
    throw error;
  }
}
