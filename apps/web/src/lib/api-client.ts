// Talks to the BFF: CSRF header and cookies on every call, zod-parsed bodies and errors, and the
// session renewal (401 → one shared POST /auth/refresh → retry once) that keeps a signed-in console working.
import type { Me } from '@switchboard/shared/auth';
// The zod/mini twins: this client is on the sign-in page's path, which must stay small (issue 6).
import { csrfHeader, ErrorBodyMiniSchema, MeMiniSchema } from '@switchboard/shared/auth-mini';
import type { ErrorCode } from '@switchboard/shared/errors';
import { safeParse, type z } from 'zod/mini';

/** A failed API call, carrying the server's error code, message and request id. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network' | 'bad_response',
    message: string,
    readonly requestId?: string,
    /** Seconds to wait before trying again, from `Retry-After` (429 and 503 answers). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const isApiError = (err: unknown): err is ApiError => err instanceof ApiError;

/** True for the answer that means "no valid session": sign in (again). */
export const isUnauthorized = (err: unknown): boolean =>
  isApiError(err) && err.status === 401 && err.code === 'unauthorized';

export interface ApiRequestInit {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /**
   * Whether a 401 renews the session and retries (default true). Off for the calls where a 401
   * means something else, such as wrong credentials at sign-in.
   */
  renewOn401?: boolean;
}

/** Cross-tab mutual exclusion: the subset of `navigator.locks` the client uses. */
export interface RefreshLocks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export interface ApiClientOptions {
  /** Defaults to the global fetch; tests pass a fake. */
  fetch?: typeof fetch;
  /** Defaults to `navigator.locks` where the browser has it, so only one tab refreshes at a time. */
  locks?: RefreshLocks | null;
}

export type SessionListener = (me: Me | null) => void;

export interface ApiClient {
  /**
   * Calls the BFF and parses the answer with `schema`.
   * @example const view = await api.request('/api/views/overview', ViewResultSchema, { signal });
   */
  request<S extends z.core.$ZodType>(
    path: string,
    schema: S,
    init?: ApiRequestInit,
  ): Promise<z.infer<S>>;
  /** Like `request` for answers without a body (204). */
  send(path: string, init?: ApiRequestInit): Promise<void>;
  /**
   * Renews the session now. Concurrent callers share one refresh. Resolves the renewed Me, or null
   * when the session is over (listeners have then been told).
   */
  refreshSession(): Promise<Me | null>;
  /** Hears every renewal (Me) and the end of the session (null). */
  onSession(listener: SessionListener): () => void;
  /** Tells the client which session the console holds (after sign-in or /auth/me). */
  rememberSession(me: Me | null): void;
}

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The lock name every tab of the console agrees on. */
const refreshLockName = 'switchboard-refresh';

function retryAfterSeconds(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  // The header may also be an HTTP date.
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function browserLocks(): RefreshLocks | null {
  if (typeof navigator === 'undefined' || !('locks' in navigator)) return null;
  const locks = navigator.locks;
  return {
    async request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      return await locks.request(name, callback);
    },
  };
}

/**
 * @example
 * const api = createApiClient();
 * api.onSession((me) => me ?? showSignIn());
 * const users = await api.request('/api/admin/users', UserListSchema);
 */
export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const locks = options.locks === undefined ? browserLocks() : options.locks;
  const listeners = new Set<SessionListener>();
  let refreshing: Promise<Me | null> | null = null;
  /** Bumped by each renewal: a 401 to a request sent before the latest one just needs a retry. */
  let generation = 0;
  let known: Me | null = null;

  const tell = (me: Me | null) => {
    for (const listener of [...listeners]) listener(me);
  };

  async function call(path: string, init: ApiRequestInit): Promise<Response> {
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (stateChanging.has(method)) headers[csrfHeader] = '1';
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await doFetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw new ApiError(
        0,
        'network',
        'Could not reach the Switchboard server. Check that it is running.',
      );
    }
  }

  async function failure(response: Response): Promise<ApiError> {
    const body: unknown = await response.json().catch(() => undefined);
    const parsed = safeParse(ErrorBodyMiniSchema, body);
    const retryAfter = retryAfterSeconds(response);
    if (parsed.success) {
      const { code, message, requestId } = parsed.data.error;
      return new ApiError(response.status, code, message, requestId, retryAfter);
    }
    return new ApiError(
      response.status,
      'bad_response',
      `The server answered HTTP ${response.status}.`,
      undefined,
      retryAfter,
    );
  }

  /** Sends the request; on a 401 renews the session once and sends it again. */
  async function exchange(path: string, init: ApiRequestInit): Promise<Response> {
    const sentAt = generation;
    const response = await call(path, init);
    if (response.status !== 401 || init.renewOn401 === false) return response;
    // Another request already renewed the session since this one left: just try again.
    const renewed = generation !== sentAt ? known : await refreshSession();
    if (!renewed || init.signal?.aborted) return response;
    return call(path, init);
  }

  async function readMe(renewOn401: boolean): Promise<Me | null> {
    const response = await call('/auth/me', { renewOn401 });
    if (response.status === 401) return null;
    if (!response.ok) throw await failure(response);
    return MeMiniSchema.parse(await response.json());
  }

  async function renew(): Promise<Me | null> {
    const before = known?.session.accessExpiresAt ?? 0;
    if (locks) {
      // Cookies are shared by every tab: one that held the lock before us may have renewed the
      // session already, and refreshing again would present a spent refresh token.
      const current = await readMe(false).catch(() => null);
      if (current && current.session.accessExpiresAt > before) return current;
    }
    const response = await call('/auth/refresh', { method: 'POST', renewOn401: false });
    if (response.status === 401 || response.status === 403) return null;
    if (!response.ok) throw await failure(response);
    return MeMiniSchema.parse(await response.json());
  }

  function refreshSession(): Promise<Me | null> {
    refreshing ??= (async () => {
      try {
        const me = await (locks ? locks.request(refreshLockName, renew) : renew());
        if (me) generation += 1;
        known = me;
        tell(me);
        return me;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  return {
    async request(path, schema, init = {}) {
      const response = await exchange(path, init);
      if (!response.ok) throw await failure(response);
      const body: unknown = await response.json().catch(() => undefined);
      // Any zod schema, classic or mini: the functional parse works on both.
      const parsed = safeParse(schema, body);
      if (!parsed.success)
        throw new ApiError(response.status, 'bad_response', `Unexpected answer from ${path}.`);
      return parsed.data;
    },
    async send(path, init = {}) {
      const response = await exchange(path, init);
      if (!response.ok) throw await failure(response);
    },
    refreshSession,
    onSession(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    rememberSession(me) {
      known = me;
    },
  };
}
