// Node entry point: read settings, start the server, shut down gracefully on SIGTERM/SIGINT.
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from './config/config';
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
  const logger = pino({
    level: config.logLevel,
    redact: {
      paths: ['*.authorization', '*.cookie', '*.headers.authorization', '*.headers.cookie'],
      censor: '[redacted]',
    },
  });

  const server = await startServer(config, logger, { env: process.env });
  logger.info({ url: server.url, sandbox: config.sandbox.enabled }, 'switchboard listening');
  process.stdout.write(`\n  Switchboard is running at ${server.url}\n\n`);

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
