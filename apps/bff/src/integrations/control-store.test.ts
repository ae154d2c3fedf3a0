// Operator controls outlive a restart: the same data directory, a second start, the same controls,
// and the engine acting on them (a disabled integration sends nothing).
import { IntegrationStateSchema } from '@switchboard/shared/integrations';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signIn, testEnv } from '../auth/test-session';
import { loadConfig } from '../config/config';
import { silentLogger } from '../http/logger';
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteControlStore } from '../runtime/node/sqlite-control-store';
import { startServer } from '../runtime/node/server';

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-controls-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const start = () =>
  startServer(loadConfig(testEnv({ SWITCHBOARD_DATA_DIR: dataDir })), silentLogger);

describe('operator controls across a restart', () => {
  it('keeps the kill switch, the provider switch and a forced breaker', async () => {
    const first = await start();
    try {
      const operator = await signIn(first.url, 'operator');
      await operator.json('/api/integrations/users/kill-switch', { body: { action: 'disable' } });
      await operator.json('/api/integrations/email/provider', {
        body: { mode: 'backup', operation: 'send' },
      });
      await operator.json('/api/integrations/payments/breaker', { body: { action: 'force-open' } });
    } finally {
      await first.close();
    }

    // A row left by a catalog that has since changed is skipped, not fatal.
    const db = openDatabase(dataDir);
    await createSqliteControlStore(db).save('retired', {
      enabled: false,
      provider: 'automatic',
      operations: {},
      breaker: null,
    });
    db.close();

    const second = await start();
    try {
      const viewer = await signIn(second.url, 'viewer');
      const state = async (name: string) =>
        IntegrationStateSchema.parse(await viewer.json(`/api/integrations/${name}`));
      expect((await state('users')).controls.enabled).toBe(false);
      const email = await state('email');
      expect(email.controls).toEqual({ enabled: true, provider: 'automatic' });
      expect(email.operations.find((op) => op.name === 'send')?.provider).toBe('backup');
      expect(email.operations.find((op) => op.name === 'status')?.provider).toBe('automatic');
      expect((await state('payments')).breaker).toMatchObject({ state: 'open', forced: 'open' });
      expect((await state('analytics')).controls).toEqual({ enabled: true, provider: 'automatic' });

      // The engine acts on them: the disabled integration refuses without sending.
      const outcome = await second.switchboard.engine.call({
        integration: 'users',
        operation: 'list',
        signal: AbortSignal.timeout(5_000),
        traceId: '0af7651916cd43dd8448eb211c80319c',
      });
      expect(outcome).toMatchObject({ ok: false, error: { kind: 'disabled' } });
    } finally {
      await second.close();
    }
  }, 60_000);
});
