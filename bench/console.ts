// Console rendering cost in Chromium: the overview with 50 integrations live (one update a second
// each) and one integration's detail page with every chart live, against a signed-in page with the
// same live connection and no live views (the reference). Per page and round: main-thread busy time
// as a share of wall-clock time (CDP TaskDuration), script and layout time, long tasks (> 50 ms)
// after the first render, and JS heap. Build the console first (`vite build` in apps/web).
import { chromium, type Page } from '@playwright/test';
import { loadavg } from 'node:os';
import { startChild } from './lib/child';

const seconds = Number(process.env.BENCH_CONSOLE_SECONDS ?? 20);
const rounds = Number(process.env.BENCH_CONSOLE_ROUNDS ?? 3);

interface Figures {
  busyPct: number;
  scriptMs: number;
  layoutMs: number;
  longTasks: number;
  maxLongTaskMs: number;
  heapMb: number;
}

async function measure(page: Page, path: string, ready: (page: Page) => Promise<void>) {
  await page.goto(path);
  await ready(page);
  // Let the first render and the first seconds of data settle before counting.
  await page.waitForTimeout(3_000);
  // A string, as it runs in the page (this package has no DOM types).
  await page.evaluate(`
    window.__long = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__long.push(entry.duration);
    }).observe({ type: 'longtask' });
  `);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
  };
  const before = await read();
  const started = Date.now();
  await page.waitForTimeout(seconds * 1000);
  const after = await read();
  const wallMs = Date.now() - started;
  const long = await page.evaluate<number[]>('window.__long');
  await cdp.detach();
  const delta = (name: string) => ((after[name] ?? 0) - (before[name] ?? 0)) * 1000;
  return {
    busyPct: (delta('TaskDuration') / wallMs) * 100,
    scriptMs: delta('ScriptDuration'),
    layoutMs: delta('LayoutDuration') + delta('RecalcStyleDuration'),
    longTasks: long.length,
    maxLongTaskMs: Math.max(0, ...long),
    heapMb: (after.JSHeapUsedSize ?? 0) / 1e6,
  } satisfies Figures;
}

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

export async function consoleBenchmark(): Promise<void> {
  const password = crypto.randomUUID();
  const server = await startChild<{ bff: string }>(
    '../servers/console-bff.ts',
    [password, '50'],
    1,
  );
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({
      baseURL: server.info.bff,
      viewport: { width: 1400, height: 1000 },
    });
    await page.goto('/sign-in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));

    const pages: Array<[string, string, (p: Page) => Promise<void>]> = [
      [
        'reference: /admin/users (stream connected, no live views)',
        '/admin/users',
        (p) => p.getByRole('heading', { name: 'Users' }).waitFor(),
      ],
      [
        'overview, 50 integrations live',
        '/',
        async (p) => {
          await p.getByTestId('tile-users-44').waitFor();
        },
      ],
      [
        'detail /integrations/users, all charts live',
        '/integrations/users',
        (p) => p.getByTestId('chart-latency').waitFor(),
      ],
    ];
    const results = new Map<string, Figures[]>(pages.map(([name]) => [name, []]));
    const loads: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Alternated within each round, so load from neighbours falls on all of them alike.
      for (const [name, path, ready] of pages) {
        loads.push(loadavg()[0] ?? 0);
        results.get(name)?.push(await measure(page, path, ready));
      }
    }
    const tiles = await page.goto('/').then(() => page.getByTestId(/^tile-/).count());
    console.log(
      `\nConsole in Chromium: ${rounds} rounds × ${seconds} s per page; ${tiles} tiles on the overview; load average during runs ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}`,
    );
    console.log(
      'page | busy % of wall (median, range) | ratio to reference | script ms | layout+style ms | long tasks (total, max ms) | heap MB',
    );
    const refBusy = median(results.get(pages[0]?.[0] ?? '')?.map((f) => f.busyPct) ?? []);
    for (const [name, figures] of results) {
      const busy = figures.map((f) => f.busyPct);
      console.log(
        [
          name,
          `${median(busy).toFixed(2)} % (${Math.min(...busy).toFixed(2)}–${Math.max(...busy).toFixed(2)})`,
          `${(median(busy) / refBusy).toFixed(2)}×`,
          median(figures.map((f) => f.scriptMs)).toFixed(0),
          median(figures.map((f) => f.layoutMs)).toFixed(0),
          `${figures.reduce((n, f) => n + f.longTasks, 0)}, ${Math.max(...figures.map((f) => f.maxLongTaskMs)).toFixed(0)}`,
          median(figures.map((f) => f.heapMb)).toFixed(1),
        ].join(' | '),
      );
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}
