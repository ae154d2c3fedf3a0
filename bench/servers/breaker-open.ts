// Child process: the real BFF with one integration (the sandbox's users, with its own policies) and
// one view over its uncached `list` operation, so an open breaker cannot be hidden by a stale entry
// or by coalescing. Optional argument: a users rate limit (per second, also the burst) replacing the
// sandbox's 50/s, to see the open-breaker path with the throttle out of the way.
// Prints one JSON line with the URLs, then serves until killed.
import { loadConfig } from '@switchboard/bff/config/config';
import { silentLogger } from '@switchboard/bff/http/logger';
import { startServer } from '@switchboard/bff/runtime/node/server';
import { benchAuthEnv, signIn } from '../lib/session';

const adminPassword = crypto.randomUUID();
import { sandboxCatalogConfig } from '@switchboard/bff/sandbox/providers';

const rateLimit = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
const server = await startServer(
  loadConfig({
    PORT: '0',
    SWITCHBOARD_SANDBOX_TRAFFIC_RPS: '0',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    ...benchAuthEnv(adminPassword),
  }),
  silentLogger,
  {
    catalog: (baseUrls) => {
      const users = sandboxCatalogConfig(baseUrls).integrations.users;
      if (!users) throw new Error('the sandbox catalog has no users integration');
      const policies =
        rateLimit === undefined
          ? users.policies
          : { ...users.policies, rateLimit: { perSecond: rateLimit, burst: rateLimit } };
      return {
        integrations: { users: { ...users, policies } },
        views: {
          users: {
            deadlineMs: 2_000,
            sources: { users: { integration: 'users', operation: 'list' } },
          },
        },
      };
    },
  },
);
// The fair reference for "a route that calls nothing": an /api/views/* route, so it passes through
// the middleware the view does (request id, logging, JSON check, compression), answering a constant
// of the view's size and shape with the view's headers. Added before the first request, while the
// router can still take routes; being added last, it also passes the console's static-asset and
// page fallbacks, which for an /api/ path are a string test each.
const constant = {
  view: 'users',
  generatedAt: new Date().toISOString(),
  deadlineMs: 2_000,
  latencyMs: 0,
  sources: {
    users: {
      integration: 'users',
      operation: 'list',
      status: 'error',
      startedAtMs: 0,
      latencyMs: 0,
      attempts: 0,
      cache: 'none',
      provider: 'users',
      error: { kind: 'breaker_open', message: 'the circuit breaker of users is open' },
    },
  },
};
server.switchboard.app.get('/api/views/-/constant', (c) => {
  c.header('etag', 'W/"0123456789abcdef"');
  c.header('cache-control', 'no-cache');
  c.header('vary', 'Accept-Encoding');
  return c.json(constant, 200);
});
const bff = `http://127.0.0.1:${server.port}`;
process.stdout.write(
  `${JSON.stringify({ bff, cookie: await signIn(bff, adminPassword), upstream: server.sandbox?.baseUrls.get('users') })}\n`,
);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
