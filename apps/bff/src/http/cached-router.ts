// A Hono router that remembers its answers per method and path: the app's routes are fixed once it
// serves, so the second request to a path skips the match (the trie walk over every middleware).
import type { Result, Router } from 'hono/router';
import { SmartRouter } from 'hono/router/smart-router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { TrieRouter } from 'hono/router/trie-router';

/** Distinct method + path pairs remembered; past that the memory starts again from empty. */
export const defaultCachedRoutes = 2048;

/**
 * Wraps `inner` (Hono's default router unless given) with a bounded map from `METHOD path` to the
 * match result. Hono only reads match results, so one result can serve every request to a path.
 * Paths are the caller's to choose, hence the bound: a scan of random paths empties the map now
 * and then and costs what matching costs without it, never unbounded memory.
 *
 * @example const app = new OpenAPIHono<AppEnv>({ router: createCachedRouter() });
 */
export function createCachedRouter<T>(
  inner: Router<T> = new SmartRouter<T>({ routers: [new RegExpRouter(), new TrieRouter()] }),
  maxEntries = defaultCachedRoutes,
): Router<T> {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
    throw new TypeError(
      `createCachedRouter: maxEntries must be a whole number ≥ 1 (got ${maxEntries}).`,
    );
  const cache = new Map<string, Result<T>>();
  return {
    get name() {
      return `cached ${inner.name}`;
    },
    add(method, path, handler) {
      // Routes added after requests were served change what a path matches.
      cache.clear();
      inner.add(method, path, handler);
    },
    match(method, path) {
      const key = `${method} ${path}`;
      let result = cache.get(key);
      if (result === undefined) {
        result = inner.match(method, path);
        if (cache.size >= maxEntries) cache.clear();
        cache.set(key, result);
      }
      return result;
    },
  };
}
