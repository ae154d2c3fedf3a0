// Node entry point: read settings, start the server, shut down gracefully on SIGTERM/SIGINT.
import { ConfigError, loadConfig, type Config } from './config/config';
import { createRedactingLogger } from './runtime/node/logger';
import { startServer } from './runtime/node/server';

async function main() {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { logger, addSecrets } = createRedactingLogger({ level: config.logLevel });
  if (config.adminPassword) addSecrets([config.adminPassword]);
  if (config.telemetry.metricsToken) addSecrets([config.telemetry.metricsToken]);

  const server = await startServer(config, logger, { env: process.env, onSecrets: addSecrets });
  logger.info({ url: server.url, sandbox: config.sandbox.enabled }, 'switchboard listening');
  process.stdout.write(`\n  Switchboard is running at ${server.url}\n\n`);
  if (server.generatedAdminPassword) {
    // Printed once to the terminal, never logged: only its hash is stored.
    process.stdout.write(
      `  First start: sign in as "admin" with the password\n\n      ${server.generatedAdminPassword}\n\n` +
        '  It is shown only this once. Set SWITCHBOARD_ADMIN_PASSWORD before the first start to choose it.\n\n',
    );
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  const hint =
    (e as { code?: string }).code === 'EADDRINUSE'
      ? ' (another process uses that port: set PORT to a free one)'
      : '';
  process.stderr.write(`Switchboard could not start: ${e.message}${hint}\n`);
  process.exit(1);
});
