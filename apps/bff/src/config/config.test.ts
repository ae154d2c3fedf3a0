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
});
