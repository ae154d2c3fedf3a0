// The Node logger: pino JSON lines, with credentials redacted by field name and by value.
import { pino, type DestinationStream } from 'pino';
import type { Logger } from '../../http/logger';

// Field names that carry credentials wherever they appear (two levels deep covers our log shapes).
const sensitive = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'apiKey',
  'api_key',
  'x-api-key',
  'secret',
  'clientSecret',
  'client_secret',
];
const redactPaths = [
  ...sensitive.map((k) => `["${k}"]`),
  ...sensitive.map((k) => `*["${k}"]`),
  ...sensitive.map((k) => `*.*["${k}"]`),
];

export interface RedactingLogger {
  logger: Logger;
  /** Known secret values (resolved at start-up) to scrub from every line, whatever field holds them. */
  addSecrets: (values: Iterable<string>) => void;
}

/**
 * @example const { logger, addSecrets } = createRedactingLogger({ level: 'info' }); addSecrets(store.values());
 */
export function createRedactingLogger(options: {
  level: string;
  destination?: { write(line: string): void };
}): RedactingLogger {
  const out = options.destination ?? process.stdout;
  let secrets: string[] = [];
  // By value, at the last moment: a secret echoed in an error message or a URL is caught too.
  const scrubbing: DestinationStream = {
    write(line: string) {
      let text = line;
      for (const secret of secrets)
        if (text.includes(secret)) text = text.replaceAll(secret, '[redacted]');
      out.write(text);
    },
  };
  const logger = pino(
    { level: options.level, redact: { paths: redactPaths, censor: '[redacted]' } },
    scrubbing,
  );
  return {
    logger,
    addSecrets: (values) => {
      // Longest first, so a secret containing another is replaced whole; very short values would
      // redact ordinary words, and no real credential is that short.
      secrets = [...new Set([...secrets, ...values])]
        .filter((v) => v.length >= 8)
        .sort((a, b) => b.length - a.length);
    },
  };
}
