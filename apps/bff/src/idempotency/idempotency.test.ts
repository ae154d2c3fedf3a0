// Idempotency-Key through a small app over real SQLite: replay, mismatch, concurrent duplicate, expiry.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/app-env';
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteIdempotencyStore } from '../runtime/node/sqlite-idempotency-store';
import { idempotency } from './idempotency';

function setup() {
  let now = Date.UTC(2026, 0, 1);
  let created = 0;
  let hold: Promise<void> | undefined;
  const app = new Hono<AppEnv>();
  app.use(
    '*',
    idempotency({
      store: createSqliteIdempotencyStore(openDatabase(':memory:')),
      ttlMs: 60_000,
      now: () => now,
      scope: (c) => c.req.header('x-user') ?? 'anonymous',
    }),
  );
  app.post('/things', async (c) => {
    await hold;
    created += 1;
    return c.json({ id: created, key: c.get('idempotencyKey') ?? null }, 201);
  });
  app.post('/broken', (c) => c.json({ error: 'down' }, 503));
  const post = (path: string, body: unknown, key?: string, user = 'ada') =>
    app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-user': user,
        ...(key !== undefined && { 'idempotency-key': key }),
      },
      body: JSON.stringify(body),
    });
  return {
    post,
    created: () => created,
    advance: (ms: number) => (now += ms),
    holdUntil: (p: Promise<void>) => {
      hold = p;
    },
  };
}

describe('Idempotency-Key', () => {
  it('replays the stored response for the same key and body, without acting again', async () => {
    const s = setup();
    const first = await s.post('/things', { name: 'a' }, 'key-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await s.post('/things', { name: 'a' }, 'key-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual({ id: 1, key: 'key-1' });
    expect(s.created()).toBe(1);
  });

  it('answers 422 for the same key with a different body', async () => {
    const s = setup();
    await s.post('/things', { name: 'a' }, 'key-1');
    const other = await s.post('/things', { name: 'b' }, 'key-1');
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ error: { code: 'idempotency_key_reused' } });
    expect(s.created()).toBe(1);
  });

  it('answers 409 to a duplicate that arrives while the first is running', async () => {
    const s = setup();
    let release: () => void = () => {};
    s.holdUntil(new Promise<void>((r) => (release = r)));
    const first = s.post('/things', { name: 'a' }, 'key-1');
    await new Promise((r) => setTimeout(r, 10));
    const duplicate = await s.post('/things', { name: 'a' }, 'key-1');
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('retry-after')).toBe('1');
    release();
    expect((await first).status).toBe(201);
    expect(s.created()).toBe(1);
  });

  it('forgets keys after their time, and keeps them per caller', async () => {
    const s = setup();
    await s.post('/things', { name: 'a' }, 'key-1');
    expect(
      (await s.post('/things', { name: 'a' }, 'key-1', 'grace')).headers.get('idempotent-replayed'),
    ).toBeNull();
    s.advance(60_000);
    const later = await s.post('/things', { name: 'a' }, 'key-1');
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(s.created()).toBe(3);
  });

  it('does not store 5xx answers, and ignores requests without a key', async () => {
    const s = setup();
    expect((await s.post('/broken', {}, 'key-2')).status).toBe(503);
    const retry = await s.post('/broken', {}, 'key-2');
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    await s.post('/things', { name: 'a' });
    await s.post('/things', { name: 'a' });
    expect(s.created()).toBe(2);
    expect((await s.post('/things', {}, 'x'.repeat(256))).status).toBe(400);
  });
});
