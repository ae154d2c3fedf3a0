// Serves the built console (apps/web/dist) from disk, with long caching for hashed assets.
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export function createStaticAssets(webDir: string): {
  assets: MiddlewareHandler;
  index: () => Promise<Response | undefined>;
} {
  // serveStatic resolves `root` against the working directory, so pass it relative to it.
  const root = relative(process.cwd(), webDir) || '.';
  const serve = serveStatic({
    root,
    onFound: (path, c) => {
      c.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  let cached: string | undefined;
  return {
    assets: async function staticAssets(c, next) {
      // The API is never a file: no disk lookup (a synchronous stat) for a request under /api/.
      if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || c.req.path.startsWith('/api/'))
        return next();
      return serve(c, next);
    },
    async index() {
      cached ??= await readFile(join(webDir, 'index.html'), 'utf8').catch(() => undefined);
      if (cached === undefined) return undefined;
      return new Response(cached, {
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
      });
    },
  };
}
