// Response cache for one operation: TTL, stale-while-revalidate, stale-if-error, one upstream call per key.
import type { CachePolicySchema } from '@switchboard/shared/catalog';
import type { z } from 'zod';
import type { Clock } from './clock';
import { UpstreamError, isUpstreamError } from './upstream-error';

/** The cache policy with every default applied. */
export type CachePolicy = z.output<typeof CachePolicySchema>;

/**
 * - `hit`: a fresh entry.
 * - `miss`: this call loaded the value.
 * - `coalesced`: this call shared another call's load of the same key.
 * - `stale`: an expired entry, served because a refresh is under way (`staleReason: 'revalidating'`)
 *   or because loading failed (`staleReason: 'error'`, with the `error`).
 */
export type CacheOutcome = 'hit' | 'miss' | 'coalesced' | 'stale';

export interface CacheResult<T> {
  value: T;
  cache: CacheOutcome;
  /** Age of the value served, in ms; 0 when just loaded. */
  ageMs: number;
  staleReason?: 'revalidating' | 'error';
  /** The failure a stale value stands in for. */
  error?: unknown;
}

export interface ResponseCacheOptions {
  /** Entries kept; beyond it the least recently used goes (second-chance approximation). Default 1000. */
  maxEntries?: number;
  /**
   * Which failures a stale entry may cover for; by default all but `http_4xx` (the request itself
   * is wrong, or the resource is gone) and `cancelled`, as RFC 5861 limits stale-if-error to errors.
   */
  serveStaleOn?: (error: unknown) => boolean;
  /** Told about failed background refreshes, which otherwise nobody would see. */
  onRefreshError?: (key: string, error: unknown) => void;
}

export interface ResponseCacheSnapshot {
  entries: number;
  inFlight: number;
  maxEntries: number;
}

export interface ResponseCache<T> {
  /**
   * The value for `key`, from the cache or from `load`. Concurrent gets of one key share one
   * `load`; a caller whose signal aborts rejects with its reason, and the shared load is
   * cancelled only when every caller waiting for it has gone.
   */
  get(
    key: string,
    load: (signal: AbortSignal) => Promise<T>,
    options?: { signal?: AbortSignal },
  ): Promise<CacheResult<T>>;
  delete(key: string): boolean;
  clear(): void;
  snapshot(): ResponseCacheSnapshot;
}

interface Entry<T> {
  value: T;
  storedAt: number;
  /** Read since it was stored or last given its second chance. */
  used: boolean;
}

/** One load in progress, shared by everyone asking for its key. */
interface Flight<T> {
  key: string;
  promise: Promise<T>;
  controller: AbortController;
  startedAt: number;
  /** Callers still waiting; a background refresh has no callers and is never cancelled by them. */
  waiters: number;
  background: boolean;
}

/**
 * The default `serveStaleOn`: any failure but a 4xx or a cancellation.
 * @example createResponseCache(policy, clock, { serveStaleOn: (e) => servesStale(e) && !isParseError(e) });
 */
export function servesStale(error: unknown): boolean {
  return !isUpstreamError(error) || (error.kind !== 'http_4xx' && error.kind !== 'cancelled');
}

/**
 * Creates a keyed response cache. Fresh for `ttlMs`; then for `staleWhileRevalidateMs` the stale
 * value is served at once while one background refresh runs; and for `staleIfErrorMs` after
 * expiry a stale value covers for a failed (or refused, e.g. `breaker_open`) load. Keep the key
 * to what the response depends on (operation + parameters + caller identity where it matters).
 *
 * @example
 * const cache = createResponseCache<Quote>(policies.cache, clock);
 * const { value, cache: outcome } = await cache.get(`quote:${symbol}`, (signal) => fetchQuote(symbol, signal), {
 *   signal: deadline.signal,
 * });
 */
export function createResponseCache<T>(
  policy: CachePolicy,
  clock: Clock,
  options: ResponseCacheOptions = {},
): ResponseCache<T> {
  return new LruResponseCache<T>(policy, clock, options);
}

class LruResponseCache<T> implements ResponseCache<T> {
  /** Map order is insertion order; see `evictOne` for how recency is kept. */
  private readonly entries = new Map<string, Entry<T>>();
  private readonly inFlight = new Map<string, Flight<T>>();
  private readonly maxEntries: number;
  private readonly serveStaleOn: (error: unknown) => boolean;
  private readonly onRefreshError: ((key: string, error: unknown) => void) | undefined;
  /** How long after storing an entry is of any use; 0 means the cache only coalesces. */
  private readonly keepMs: number;

  constructor(
    private readonly policy: CachePolicy,
    private readonly clock: Clock,
    options: ResponseCacheOptions,
  ) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 1000);
    this.serveStaleOn = options.serveStaleOn ?? servesStale;
    this.onRefreshError = options.onRefreshError;
    this.keepMs = policy.ttlMs + Math.max(policy.staleWhileRevalidateMs, policy.staleIfErrorMs);
  }

  async get(
    key: string,
    load: (signal: AbortSignal) => Promise<T>,
    options: { signal?: AbortSignal } = {},
  ): Promise<CacheResult<T>> {
    const { signal } = options;
    signal?.throwIfAborted();
    const now = this.clock.now();
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      const ageMs = now - entry.storedAt;
      if (ageMs < this.policy.ttlMs) {
        entry.used = true;
        return { value: entry.value, cache: 'hit', ageMs };
      }
      if (ageMs < this.policy.ttlMs + this.policy.staleWhileRevalidateMs) {
        entry.used = true;
        if (!this.inFlight.has(key)) this.start(key, load, true);
        return { value: entry.value, cache: 'stale', ageMs, staleReason: 'revalidating' };
      }
      if (ageMs >= this.keepMs) this.entries.delete(key);
    }

    let flight = this.inFlight.get(key);
    const cache: CacheOutcome = flight === undefined ? 'miss' : 'coalesced';
    flight ??= this.start(key, load, false);
    try {
      const value = await this.join(flight, signal);
      return { value, cache, ageMs: 0 };
    } catch (error) {
      if (signal?.aborted) throw error;
      const stale = this.entries.get(key);
      const at = this.clock.now();
      if (
        stale !== undefined &&
        at - stale.storedAt < this.policy.ttlMs + this.policy.staleIfErrorMs &&
        this.serveStaleOn(error)
      ) {
        return {
          value: stale.value,
          cache: 'stale',
          ageMs: at - stale.storedAt,
          staleReason: 'error',
          error,
        };
      }
      throw error;
    }
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  snapshot(): ResponseCacheSnapshot {
    return {
      entries: this.entries.size,
      inFlight: this.inFlight.size,
      maxEntries: this.maxEntries,
    };
  }

  /**
   * Drops the least recently used entry, approximately: "second chance" (CLOCK). A hit only sets
   * `used` instead of moving its entry in the map (which costs more than the rest of a hit);
   * eviction sends used entries to the back once, clearing the bit, and drops the first unused.
   */
  private evictOne(): void {
    for (;;) {
      const oldest = this.entries.entries().next();
      if (oldest.done === true) return;
      const [key, entry] = oldest.value;
      this.entries.delete(key);
      if (!entry.used) return;
      entry.used = false;
      this.entries.set(key, entry);
    }
  }

  private start(
    key: string,
    load: (signal: AbortSignal) => Promise<T>,
    background: boolean,
  ): Flight<T> {
    const controller = new AbortController();
    const startedAt = this.clock.now();
    const loading = callLoad(load, controller.signal);
    const flight: Flight<T> = {
      key,
      controller,
      startedAt,
      waiters: 0,
      background,
      promise: loading.then(
        (value) => {
          this.finish(flight);
          this.store(key, value, startedAt);
          return value;
        },
        (error: unknown) => {
          this.finish(flight);
          if (background) this.onRefreshError?.(key, error);
          throw error;
        },
      ),
    };
    // A background refresh, or one every caller left, has nobody to hear its failure.
    flight.promise.catch(() => undefined);
    this.inFlight.set(key, flight);
    return flight;
  }

  private finish(flight: Flight<T>): void {
    if (this.inFlight.get(flight.key) === flight) this.inFlight.delete(flight.key);
  }

  private store(key: string, value: T, startedAt: number): void {
    if (this.keepMs <= 0) return;
    const existing = this.entries.get(key);
    // A load that started before the stored value arrived is older news: keep the newer one.
    if (existing !== undefined && existing.storedAt > startedAt) return;
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: this.clock.now(), used: false });
    if (this.entries.size > this.maxEntries) this.evictOne();
  }

  /** Waits for a shared load without letting this caller's abort cancel it for the others. */
  private join(flight: Flight<T>, signal: AbortSignal | undefined): Promise<T> {
    flight.waiters++;
    // Without a signal this caller never leaves, so the load is never cancelled under it.
    if (signal === undefined) return flight.promise;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (--flight.waiters === 0 && !flight.background) {
          this.finish(flight);
          flight.controller.abort(
            new UpstreamError('cancelled', 'every caller waiting for this response gave up'),
          );
        }
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // Settles like the shared load (a rejected promise passed to resolve rejects this one too).
      const settle = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(flight.promise);
      };
      void flight.promise.then(settle, settle);
    });
  }
}

/** Calls `load` so that a synchronous throw becomes a rejection like any other failure. */
async function callLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  return await load(signal);
}
