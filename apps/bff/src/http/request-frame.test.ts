import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from './app-env';
import { requestFrame, type RequestHook } from './request-frame';

const onError = (err: Error) => new Response(`handled ${err.message}`, { status: 500 });

function appWith(hooks: RequestHook[], seen: string[]) {
  const app = new Hono<AppEnv>();
  app.use('*', requestFrame(hooks, onError));
  app.get('/ok', (c) => {
    seen.push('handler');
    return c.text('ok');
  });
  app.get('/boom', () => {
    throw new Error('in handler');
  });
  return app;
}

const part =
  (name: string, seen: string[], fail?: 'before' | 'after'): RequestHook =>
  () => {
    seen.push(`${name} before`);
    if (fail === 'before') throw new Error(`${name} before`);
    return (c) => {
      seen.push(`${name} after ${c.res.status}`);
      if (fail === 'after') throw new Error(`${name} after`);
    };
  };

describe('requestFrame', () => {
  it('runs the parts before the handler in order and their after-steps in reverse', async () => {
    const seen: string[] = [];
    const app = appWith([part('a', seen), () => undefined, part('b', seen)], seen);
    expect(await (await app.request('/ok')).text()).toBe('ok');
    expect(seen).toEqual(['a before', 'b before', 'handler', 'b after 200', 'a after 200']);
  });

  it('gives the after-steps the error response of a failing handler', async () => {
    const seen: string[] = [];
    const app = appWith([part('a', seen)], seen);
    app.onError(onError);
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    expect(seen).toEqual(['a before', 'a after 500']);
  });

  it('answers a part that throws with the error handler, as nested middleware would', async () => {
    const seen: string[] = [];
    const app = appWith([part('a', seen), part('b', seen, 'before'), part('c', seen)], seen);
    const res = await app.request('/ok');
    expect(await res.text()).toBe('handled b before');
    // b never entered the handlers, so it and c have no after-step; a's still runs.
    expect(seen).toEqual(['a before', 'b before', 'a after 500']);

    const afterSeen: string[] = [];
    const failingAfter = appWith([part('a', afterSeen), part('b', afterSeen, 'after')], afterSeen);
    const res2 = await failingAfter.request('/ok');
    expect(await res2.text()).toBe('handled b after');
    expect(afterSeen).toEqual(['a before', 'b before', 'handler', 'b after 200', 'a after 500']);
  });
});
