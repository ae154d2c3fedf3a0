import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.sandbox).toEqual({ enabled: true, trafficPerSecond: 2 });
  });

  it('reads PORT and treats empty values as unset', () => {
    expect(loadConfig({ PORT: '9090' }).port).toBe(9090);
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });

  it('reads the catalog file path from SWITCHBOARD_CONFIG', () => {
    expect(loadConfig({}).configFile).toBeUndefined();
    expect(loadConfig({ SWITCHBOARD_CONFIG: 'switchboard.config.yaml' }).configFile).toBe(
      'switchboard.config.yaml',
    );
  });

  it('lists every invalid variable with its value and what to do', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', SWITCHBOARD_SANDBOX: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT="eighty": must be a port number');
    expect(message).toContain('SWITCHBOARD_SANDBOX="maybe": use on or off');
    expect(message).not.toMatch(/at .*\.ts:\d+/);
  });

  it('reads the retention of settled jobs, finished runs and the webhook log, a week by default', () => {
    const week = 168 * 3600_000;
    expect(loadConfig({}).retention).toEqual({
      jobsMs: week,
      flowRunsMs: week,
      webhookLogMs: week,
      intervalMs: 300_000,
    });
    expect(
      loadConfig({
        SWITCHBOARD_JOB_RETENTION_HOURS: '720',
        SWITCHBOARD_FLOW_RUN_RETENTION_HOURS: '24',
        SWITCHBOARD_WEBHOOK_LOG_RETENTION_HOURS: '48',
        SWITCHBOARD_RETENTION_INTERVAL_SECONDS: '60',
      }).retention,
    ).toEqual({
      jobsMs: 720 * 3600_000,
      flowRunsMs: 24 * 3600_000,
      webhookLogMs: 48 * 3600_000,
      intervalMs: 60_000,
    });
    expect(() => loadConfig({ SWITCHBOARD_JOB_RETENTION_HOURS: '0' })).toThrow(ConfigError);
  });
});
