// better-sqlite3 is synchronous; ports are asynchronous so a networked store can implement them.

/** The synchronous shape of a port whose methods return promises. */
export type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : T[K];
};

/**
 * Wraps every method of a synchronous implementation so it returns a promise (and a throw becomes
 * a rejection, as it would from a networked store).
 * @example return asyncPort<JobStore>(syncStore);
 */
export function asyncPort<T>(sync: Sync<T>): T {
  const wrapped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(sync as Record<string, (...args: unknown[]) => unknown>))
    wrapped[name] = (...args) => new Promise((resolve) => resolve(fn(...args)));
  return wrapped as unknown as T;
}
