// Who is signed in, for the whole console: loads Me at start, follows every session renewal, renews
// ahead of the access token's end while the tab is visible, and clears everything when the session ends.
import type { Me } from '@switchboard/shared/auth';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { isUnauthorized } from '../api-client';
import { useApi } from '../api-context';
import { useNavigate } from '../router/router';
import { getMe, logout } from './auth-api';
import { signInPath } from './return-to';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-in'; me: Me }
  | { status: 'signed-out' }
  /** The server could not be asked (network, 5xx): neither signed in nor out. */
  | { status: 'unavailable'; error: Error };

export interface Auth {
  state: AuthState;
  /** After a successful sign-in. */
  signIn: (me: Me) => void;
  /** Ends the session on the server, then locally. */
  signOut: () => Promise<void>;
  /** The session is already gone on the server (e.g. an admin killed their own): end it here. */
  forgetSession: () => void;
  /** Asks /auth/me again after the server was unavailable. */
  retry: () => void;
  /**
   * Hears the end of the session (sign-out, refused refresh, own session killed), before the
   * signed-out page shows; returns the unsubscribe.
   */
  onSessionEnd: (listener: () => void) => () => void;
}

const AuthContext = createContext<Auth | null>(null);

/** The timers and page visibility the proactive renewal uses; injected so tests control time. */
export interface AuthClock {
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  isVisible: () => boolean;
  onVisibilityChange: (fn: () => void) => () => void;
}

const browserClock = (): AuthClock => ({
  now: Date.now,
  setTimeout: (fn, ms) => window.setTimeout(fn, ms),
  clearTimeout: (handle) => window.clearTimeout(handle as number),
  isVisible: () => document.visibilityState === 'visible',
  onVisibilityChange(fn) {
    document.addEventListener('visibilitychange', fn);
    return () => document.removeEventListener('visibilitychange', fn);
  },
});

/** Renew this long before the access token ends, so requests rarely meet a 401 at all. */
const renewLeadMs = 60_000;

/** A full-page navigation away from the console (to the identity provider's logout). */
const leavePage = (url: string) => window.location.assign(url);

export function AuthProvider({
  children,
  clock,
  leaveTo = leavePage,
}: {
  children: ReactNode;
  clock?: AuthClock;
  /** Injected so tests see where sign-out sends the browser. */
  leaveTo?: (url: string) => void;
}) {
  const api = useApi();
  const navigate = useNavigate();
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [platform] = useState(() => clock ?? browserClock());

  const signedIn = useCallback(
    (me: Me) => {
      api.rememberSession(me);
      setState({ status: 'signed-in', me });
    },
    [api],
  );

  const [endListeners] = useState(() => new Set<() => void>());
  const onSessionEnd = useCallback(
    (listener: () => void) => {
      endListeners.add(listener);
      return () => {
        endListeners.delete(listener);
      };
    },
    [endListeners],
  );

  // Listeners clear what belonged to the session (the query cache, in the signed-in layout), so
  // nothing fetched for the last user can show to the next one.
  const signedOut = useCallback(() => {
    api.rememberSession(null);
    for (const listener of [...endListeners]) listener();
    setState({ status: 'signed-out' });
  }, [api, endListeners]);

  useEffect(() => {
    const controller = new AbortController();
    getMe(api, controller.signal).then(signedIn, (err: unknown) => {
      if (controller.signal.aborted) return;
      if (isUnauthorized(err)) signedOut();
      else
        setState({
          status: 'unavailable',
          error: err instanceof Error ? err : new Error(String(err)),
        });
    });
    return () => controller.abort();
  }, [api, attempt, signedIn, signedOut]);

  useEffect(
    () => api.onSession((me) => (me ? signedIn(me) : signedOut())),
    [api, signedIn, signedOut],
  );

  const expiresAt = state.status === 'signed-in' ? state.me.session.accessExpiresAt : null;
  useEffect(() => {
    if (expiresAt === null) return;
    let timer: unknown;
    const arm = () => {
      platform.clearTimeout(timer);
      // A hidden tab waits: the first request after it comes back renews on its 401 anyway.
      if (!platform.isVisible()) return;
      const delay = Math.max(0, expiresAt - renewLeadMs - platform.now());
      timer = platform.setTimeout(() => {
        // A failure to reach the server leaves the reactive path (401 → refresh) to try later.
        api.refreshSession().catch(() => undefined);
      }, delay);
    };
    arm();
    const stopListening = platform.onVisibilityChange(arm);
    return () => {
      stopListening();
      platform.clearTimeout(timer);
    };
  }, [api, expiresAt, platform]);

  const auth = useMemo<Auth>(
    () => ({
      state,
      signIn: signedIn,
      async signOut() {
        // Leave locally even if the server cannot be told: the cookies go with the session anyway.
        const providerLogoutUrl = await logout(api).catch(() => null);
        navigate(signInPath);
        signedOut();
        // Single sign-on: end the provider's session too, or the next sign-in would pass silently.
        if (providerLogoutUrl) leaveTo(providerLogoutUrl);
      },
      forgetSession() {
        navigate(signInPath);
        signedOut();
      },
      retry: () => {
        setState({ status: 'loading' });
        setAttempt((n) => n + 1);
      },
      onSessionEnd,
    }),
    [api, leaveTo, navigate, onSessionEnd, signedIn, signedOut, state],
  );

  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth must be used inside <AuthProvider>');
  return auth;
}

/** The signed-in user and session; only for pages behind sign-in. */
export function useMe(): Me {
  const { state } = useAuth();
  if (state.status !== 'signed-in') throw new Error('useMe is only for signed-in pages');
  return state.me;
}
