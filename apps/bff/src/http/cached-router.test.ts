import { Hono } from 'hono';
import type { Router } from 'hono/router';
import type { H, RouterRoute } from 'hono/types';
import { TrieRouter } from 'hono/router/trie-router';
import { describe, expect, it } from 'vitest';
import { createCachedRouter } from './cached-router';

/** A TrieRouter that counts its matches, to see which requests the cache answered. */
type Entry = [H, RouterRoute];

function countingRouter() {
  const inner = new TrieRouter<Entry>();
  let matches = 0;
  const router: Router<Entry> = {
    name: 'counting',
    add: (method, path, handler) => inner.add(method, path, handler),
    match: (method, path) => {
      matches += 1;
      return inner.match(method, path);
    },
  };
  return { router, matches: () => matches };
}

describe('createCachedRouter', () => {
  it('answers a repeated path from memory, with each path its own params', async () => {
    const counting = countingRouter();
    const app = new Hono({ router: createCachedRouter(counting.router) });
    app.use('*', async (c, next) => {
      await next();
      c.res.headers.set('x-seen', '1');
    });
    app.get('/views/:name', (c) => c.text(c.req.param('name')));
    for (const name of ['a', 'b', 'a', 'b', 'a']) {
      const res = await app.request(`/views/${name}`);
      expect(await res.text()).toBe(name);
      expect(res.headers.get('x-seen')).toBe('1');
    }
    expect(counting.matches()).toBe(2);
    expect((await app.request('/views/a', { method: 'POST' })).status).toBe(404);
    expect(counting.matches()).toBe(3);
  });

  it('forgets what it remembered when a route is added', async () => {
    const app = new Hono({ router: createCachedRouter(new TrieRouter()) });
    app.get('/a', (c) => c.text('a'));
    expect((await app.request('/b')).status).toBe(404);
    app.get('/b', (c) => c.text('b'));
    expect(await (await app.request('/b')).text()).toBe('b');
  });

  it('remembers at most maxEntries paths, then starts again', async () => {
    const counting = countingRouter();
    const app = new Hono({ router: createCachedRouter(counting.router, 2) });
    app.get('/:n', (c) => c.text(c.req.param('n')));
    for (const n of ['1', '2', '1', '2']) await app.request(`/${n}`);
    expect(counting.matches()).toBe(2);
    await app.request('/3'); // full: emptied, then /3 remembered
    await app.request('/1');
    expect(counting.matches()).toBe(4);
    expect(await (await app.request('/3')).text()).toBe('3');
    expect(counting.matches()).toBe(4);
    expect(() => createCachedRouter(counting.router, 0)).toThrow(/maxEntries/);
  });
});
