// Journey: the live stream in Chromium against the real BFF. The WebSocket is refused (Playwright
// routes it and closes it), the console falls back to SSE, then the socket is let through again and
// the console returns to it; the indicator shows each step, and the messages delivered to the page
// match, number for number, what the server published on the same topics (none lost, none twice).
import type { Page } from '@playwright/test';
import { ServerMessageSchema } from '@switchboard/shared/stream';
import { expect, test } from './fixtures';

/** What the indicator says about the stream, read in one go (one render's values). */
interface Reading {
  state: string;
  transport: string;
  epoch: string;
  lastSeq: number;
  delivered: number;
  topics: string;
}

async function readIndicator(page: Page): Promise<Reading> {
  const data = await page.getByTestId('stream-status').evaluate((el: HTMLElement) => ({
    ...el.dataset,
  }));
  return {
    state: data.state ?? '',
    transport: data.transport ?? '',
    epoch: data.epoch ?? '',
    lastSeq: Number(data.lastSeq),
    delivered: Number(data.delivered),
    topics: data.topics ?? '',
  };
}

/**
 * The server's own account: an SSE connection from Node with the page's session, on the same
 * topics, recording every live sequence number published from now on.
 */
async function recordPublished(page: Page, baseURL: string, topics: string) {
  const cookies = await page.context().cookies(baseURL);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const abort = new AbortController();
  const response = await fetch(`${baseURL}/api/stream?topics=${encodeURIComponent(topics)}`, {
    headers: { cookie, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  const body = response.body;
  if (!body) throw new Error('no stream body');
  const seqs: number[] = [];
  let epoch = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice('data: '.length))
            .join('\n');
          if (!data) continue;
          const message = ServerMessageSchema.parse(JSON.parse(data));
          if (message.type === 'hello') epoch = message.epoch;
          else if ('seq' in message && message.snapshot !== true) seqs.push(message.seq);
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return {
    seqs,
    epoch: () => epoch,
    async stop() {
      abort.abort();
      await reading;
    },
  };
}

/**
 * Records every state/transport the indicator shows, from the page's first script on: transitions
 * can be quicker than a test's polling.
 */
async function recordTransitions(page: Page) {
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.assign(window, { streamTransitions: seen });
    const note = () => {
      const el = document.querySelector<HTMLElement>('[data-testid="stream-status"]');
      if (!el) return;
      const entry = `${el.dataset.state ?? ''}/${el.dataset.transport ?? ''}`;
      if (seen.at(-1) !== entry) seen.push(entry);
    };
    new MutationObserver(note).observe(document, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state', 'data-transport'],
    });
  });
  return async () =>
    page.evaluate(() => (window as unknown as { streamTransitions: string[] }).streamTransitions);
}

test('falls back to SSE when the WebSocket cannot open, returns to it, and loses or repeats nothing', async ({
  signedIn: page,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const status = page.getByTestId('stream-status');
  const transitions = await recordTransitions(page);
  let blocked = true;
  let refused = 0;
  await page.routeWebSocket(/\/api\/ws(\?|$)/, (ws) => {
    if (blocked) {
      refused += 1;
      return ws.close({ code: 1011, reason: 'blocked by test' });
    }
    // Let through: the page talks to the real BFF (frames forwarded untouched).
    ws.connectToServer();
    return undefined;
  });

  await page.goto('/');
  await expect(status).toHaveAttribute('data-transport', 'sse');
  await expect(status).toHaveAttribute('data-state', 'live');
  await expect(status).toHaveText('Live (SSE fallback)');
  expect(refused).toBeGreaterThanOrEqual(2);

  const { topics } = await readIndicator(page);
  expect(topics).toBe('integrations');
  const published = await recordPublished(page, baseURL ?? '', topics);
  try {
    // A starting point after the recorder is surely connected: two more messages on SSE.
    await expect.poll(() => published.seqs.length).toBeGreaterThan(0);
    const first = published.seqs[0] ?? 0;
    await expect.poll(async () => (await readIndicator(page)).lastSeq).toBeGreaterThan(first);
    const start = await readIndicator(page);
    await expect
      .poll(async () => (await readIndicator(page)).lastSeq)
      .toBeGreaterThan(start.lastSeq);
    expect((await readIndicator(page)).transport).toBe('sse');

    // The socket works again: the console tries it now and then, and moves back to it.
    blocked = false;
    await expect(status).toHaveAttribute('data-transport', 'websocket', { timeout: 40_000 });
    await expect(status).toHaveAttribute('data-state', 'live');
    await expect(status).toHaveText('Live');
    const back = await readIndicator(page);
    await expect
      .poll(async () => (await readIndicator(page)).lastSeq)
      .toBeGreaterThan(back.lastSeq);
    const end = await readIndicator(page);
    expect(end.transport).toBe('websocket');
    // The indicator went through each step: trying the socket, reconnecting, live on the SSE
    // fallback, and live on the socket again.
    const steps = await transitions();
    const order = ['connecting/websocket', 'reconnecting/websocket', 'live/sse', 'live/websocket'];
    const positions = order.map((step) => steps.indexOf(step));
    expect(
      positions.every((p) => p >= 0),
      steps.join(' → '),
    ).toBe(true);
    expect(positions, steps.join(' → ')).toEqual(positions.toSorted((a, b) => a - b));

    // Same server run throughout; what the page delivered between the two readings is exactly
    // what the server published on its topics in that range: every number, once.
    expect(end.epoch).toBe(start.epoch);
    expect(published.epoch()).toBe(start.epoch);
    await expect.poll(() => published.seqs.at(-1) ?? 0).toBeGreaterThanOrEqual(end.lastSeq);
    const expected = published.seqs.filter((seq) => seq > start.lastSeq && seq <= end.lastSeq);
    expect(expected).toContain(end.lastSeq);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(end.delivered - start.delivered).toBe(expected.length);
  } finally {
    await published.stop();
  }
});

test('a WebSocket dropped by the network reconnects and resumes without losing or repeating', async ({
  signedIn: page,
  baseURL,
}) => {
  test.setTimeout(60_000);
  const status = page.getByTestId('stream-status');
  const sockets: Array<{ close: () => Promise<void> }> = [];
  await page.routeWebSocket(/\/api\/ws(\?|$)/, (ws) => {
    const server = ws.connectToServer();
    sockets.push({
      close: async () => {
        await ws.close({ code: 4000, reason: 'cut by test' });
        await server.close();
      },
    });
  });
  await page.goto('/');
  await expect(status).toHaveAttribute('data-transport', 'websocket');
  await expect(status).toHaveAttribute('data-state', 'live');
  const { topics } = await readIndicator(page);
  const published = await recordPublished(page, baseURL ?? '', topics);
  try {
    await expect.poll(() => published.seqs.length).toBeGreaterThan(0);
    const first = published.seqs[0] ?? 0;
    await expect.poll(async () => (await readIndicator(page)).lastSeq).toBeGreaterThan(first);
    const start = await readIndicator(page);

    // Cut the connection under the page; it reconnects (a new socket) and resumes. The page the
    // sign-in left may have opened a socket too before `goto`: the live one is the last.
    const opened = sockets.length;
    expect(opened).toBeGreaterThan(0);
    await sockets[opened - 1]?.close();
    await expect.poll(() => sockets.length).toBe(opened + 1);
    await expect(status).toHaveAttribute('data-state', 'live');
    const back = await readIndicator(page);
    await expect
      .poll(async () => (await readIndicator(page)).lastSeq, { timeout: 10_000 })
      .toBeGreaterThan(back.lastSeq + 1);
    const end = await readIndicator(page);
    expect(end.transport).toBe('websocket');
    await expect.poll(() => published.seqs.at(-1) ?? 0).toBeGreaterThanOrEqual(end.lastSeq);
    const expected = published.seqs.filter((seq) => seq > start.lastSeq && seq <= end.lastSeq);
    expect(end.epoch).toBe(start.epoch);
    expect(expected).toContain(end.lastSeq);
    expect(end.delivered - start.delivered).toBe(expected.length);
  } finally {
    await published.stop();
  }
});

test('a socket that goes silent shows as stale, then is replaced by a fresh one that resumes', async ({
  signedIn: page,
}) => {
  test.setTimeout(90_000);
  const status = page.getByTestId('stream-status');
  // The socket to stall: the live one when the test says so (the page the sign-in left may have
  // opened one before `goto`, so it is not always the first).
  let stalled = 0;
  let opened = 0;
  await page.routeWebSocket(/\/api\/ws(\?|$)/, (ws) => {
    opened += 1;
    const mine = opened;
    const server = ws.connectToServer();
    // The stalled socket hears nothing from the server any more (as when a network path dies
    // without a close). Real server messages otherwise pass untouched.
    server.onMessage((message) => {
      if (mine !== stalled) ws.send(message);
    });
    ws.onMessage((message) => server.send(message));
  });
  await page.goto('/');
  await expect(status).toHaveAttribute('data-state', 'live');
  await expect(status).toHaveAttribute('data-transport', 'websocket');
  await expect.poll(async () => (await readIndicator(page)).lastSeq).toBeGreaterThan(0);
  const before = await readIndicator(page);
  const live = opened;
  stalled = live;
  await expect(status).toHaveAttribute('data-state', 'stale', { timeout: 10_000 });
  await expect(status).toHaveText(/^Stale: no data for \d/);
  // Still silent at 15 s: the socket is taken for dead and a new one resumes.
  await expect.poll(() => opened, { timeout: 20_000 }).toBe(live + 1);
  await expect(status).toHaveAttribute('data-state', 'live');
  await expect
    .poll(async () => (await readIndicator(page)).lastSeq, { timeout: 10_000 })
    .toBeGreaterThan(before.lastSeq);
  expect((await readIndicator(page)).epoch).toBe(before.epoch);
});
