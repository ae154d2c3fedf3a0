// Readiness reflects each dependency: the sandbox providers going down turns it 503 and names them.
import { ReadinessSchema } from '@switchboard/shared/health';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { testEnv } from '../auth/test-session';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';

let server: RunningServer | undefined;
const running = () => {
  if (!server) throw new Error('the BFF is not running');
  return server;
};
const readyz = async () => {
  const response = await fetch(`http://127.0.0.1:${running().port}/readyz`);
  return { status: response.status, body: ReadinessSchema.parse(await response.json()) };
};

beforeAll(async () => {
  server = await startServer(loadConfig(testEnv()), silentLogger);
});
afterAll(() => server?.close());

describe('/readyz', () => {
  it('lists each dependency and turns 503 when the sandbox providers stop listening', async () => {
    const before = await readyz();
    expect(before.status).toBe(200);
    expect(before.body.checks).toEqual({ sandbox: { status: 'ok' }, accepting: { status: 'ok' } });

    await running().sandbox?.close();
    const after = await readyz();
    expect(after.status).toBe(503);
    expect(after.body.status).toBe('not_ready');
    expect(after.body.checks.sandbox).toEqual({
      status: 'failing',
      detail: 'not listening: users, payments, email, email-backup, analytics, identity',
    });
  });
});
