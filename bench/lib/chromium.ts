// Debian's Chromium driven by playwright-core (never a downloaded browser), optionally pinned to one
// core (console.ts no longer pins it: see its `browserCore`), and the CPU time its renderers' main threads use, read from /proc: a measure that CPU
// contention from other processes disturbs far less than wall-clock task durations.
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from '@playwright/test';

/** The flags e2e/playwright.config.ts uses: headless as root, loopback only. */
const flags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * @param core the CPU every Chromium process runs on (`taskset -c`); undefined leaves it unpinned.
 * @example const browser = await launchChromium(0);
 */
export async function launchChromium(core: number | undefined): Promise<Browser> {
  let executablePath = '/usr/bin/chromium';
  if (core !== undefined) {
    // Playwright appends its own arguments to the executable: a wrapper puts taskset in front.
    const wrapper = join(mkdtempSync(join(tmpdir(), 'switchboard-chromium-')), 'chromium');
    writeFileSync(wrapper, `#!/bin/sh\nexec taskset -c ${core} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    executablePath = wrapper;
  }
  return chromium.launch({ executablePath, args: flags, headless: true });
}

const ticksPerSecond = 100; // USER_HZ on Linux

/** utime + stime (seconds) of one /proc stat line; fields counted after the `(comm)`. */
function cpuSeconds(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the comm: state is field 3 of stat(5), utime 14, stime 15 -> indexes 11 and 12 here.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Chromium renderer processes started (through any depth) by this Node process. */
export function rendererPids(ancestor = process.pid): number[] {
  return descendants(ancestor, (cmdline) => cmdline.includes('--type=renderer'));
}

/**
 * Every Chromium process started by this Node process (browser, GPU/viz, network, renderers): what
 * competes with the renderer main thread for a core when they share one.
 */
export function chromiumPids(ancestor = process.pid): number[] {
  // By executable: Chromium rewrites its processes' command lines (one space-separated title).
  return descendants(ancestor, (_, pid) => {
    try {
      return readlinkSync(`/proc/${pid}/exe`).endsWith('/chromium');
    } catch {
      return false;
    }
  });
}

/** CPU seconds (utime + stime, all threads) of each process, by id. */
export function processCpu(pids: number[]): Map<number, number> {
  const readings = new Map<number, number>();
  for (const pid of pids) {
    try {
      readings.set(pid, cpuSeconds(`/proc/${pid}/stat`));
    } catch {
      // The process ended between the listing and the reading.
    }
  }
  return readings;
}

function descendants(ancestor: number, match: (cmdline: string, pid: number) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!match(cmdline, pid)) continue;
    for (let p = parentOf(pid); p !== undefined && p > 1; p = parentOf(p)) {
      if (p === ancestor) {
        pids.push(pid);
        break;
      }
    }
  }
  return pids;
}

export interface RendererCpu {
  /** CPU seconds of every renderer's main thread (the thread whose id is the process id). */
  mainThread: number;
  /** CPU seconds of every renderer, all threads (compositor, raster, GC helpers…). */
  process: number;
}

/** Cumulative CPU of each renderer, by process id (a renderer that has ended is left out). */
export function rendererCpu(pids: number[]): Map<number, RendererCpu> {
  const readings = new Map<number, RendererCpu>();
  for (const pid of pids) {
    try {
      readings.set(pid, {
        mainThread: cpuSeconds(`/proc/${pid}/task/${pid}/stat`),
        process: cpuSeconds(`/proc/${pid}/stat`),
      });
    } catch {
      // The process ended between the listing and the reading.
    }
  }
  return readings;
}

/** CPU used between two readings, summed over the renderers present in both. */
export function cpuBetween(
  before: Map<number, RendererCpu>,
  after: Map<number, RendererCpu>,
): RendererCpu {
  const used = { mainThread: 0, process: 0 };
  for (const [pid, end] of after) {
    const start = before.get(pid);
    if (!start) continue;
    used.mainThread += end.mainThread - start.mainThread;
    used.process += end.process - start.process;
  }
  return used;
}
