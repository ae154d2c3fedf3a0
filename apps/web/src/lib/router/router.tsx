// A tiny client-side router on the History API: where we are (path + query), how to go elsewhere,
// and links that navigate without reloading. Enough for a handful of flat routes; no dependency.
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useSyncExternalStore,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';

export interface RouterLocation {
  pathname: string;
  /** The query string with its leading `?`, or '' when there is none. */
  search: string;
  hash: string;
}

export interface NavigateOptions {
  /** Replace the current history entry instead of adding one (redirects, filter changes). */
  replace?: boolean;
}

export interface Router {
  location: () => RouterLocation;
  subscribe: (onChange: () => void) => () => void;
  /** Goes to a same-origin path such as `/admin/audit?actor=ana`. */
  navigate: (to: string, options?: NavigateOptions) => void;
}

/** The window parts the router uses, injected so tests can hand over their own. */
export type RouterWindow = Pick<
  Window,
  'location' | 'history' | 'addEventListener' | 'removeEventListener'
>;

/**
 * @example
 * const router = createBrowserRouter();
 * router.navigate('/admin/users');
 */
export function createBrowserRouter(win: RouterWindow = window): Router {
  const listeners = new Set<() => void>();
  const read = (): RouterLocation => ({
    pathname: win.location.pathname,
    search: win.location.search,
    hash: win.location.hash,
  });
  // One object per location, so useSyncExternalStore sees a stable snapshot between changes.
  let current = read();
  const update = () => {
    const next = read();
    if (
      next.pathname === current.pathname &&
      next.search === current.search &&
      next.hash === current.hash
    )
      return;
    current = next;
    for (const listener of [...listeners]) listener();
  };
  const onPopState = () => update();

  return {
    location: () => current,
    subscribe(onChange) {
      if (listeners.size === 0) win.addEventListener('popstate', onPopState);
      listeners.add(onChange);
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0) win.removeEventListener('popstate', onPopState);
      };
    },
    navigate(to, options = {}) {
      const url = new URL(to, win.location.href);
      if (url.origin !== win.location.origin) throw new Error(`not a same-origin path: ${to}`);
      const path = `${url.pathname}${url.search}${url.hash}`;
      const here = `${current.pathname}${current.search}${current.hash}`;
      // Going to where we are would only add a history entry that Back seems to ignore.
      if (options.replace || path === here) win.history.replaceState(null, '', path);
      else win.history.pushState(null, '', path);
      update();
    },
  };
}

const RouterContext = createContext<Router | null>(null);

export function RouterProvider({ router, children }: { router: Router; children: ReactNode }) {
  return <RouterContext.Provider value={router}>{children}</RouterContext.Provider>;
}

function useRouter(): Router {
  const router = useContext(RouterContext);
  if (!router) throw new Error('router hooks must be used inside <RouterProvider>');
  return router;
}

/** The current location; re-renders on every navigation, Back and Forward. */
export function useLocation(): RouterLocation {
  const router = useRouter();
  return useSyncExternalStore(router.subscribe, router.location);
}

/** The current query parameters. */
export function useSearchParams(): URLSearchParams {
  return new URLSearchParams(useLocation().search);
}

/**
 * @example const navigate = useNavigate(); navigate('/admin/users');
 */
export function useNavigate(): Router['navigate'] {
  return useRouter().navigate;
}

/** Navigates once mounted; for routes that only send you elsewhere. */
export function Redirect({ to }: { to: string }) {
  const navigate = useNavigate();
  useEffect(() => navigate(to, { replace: true }), [navigate, to]);
  return null;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** An `<a>` that navigates in place, but still opens in a new tab with Ctrl/⌘/middle click. */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      (rest.target && rest.target !== '_self')
    )
      return;
    event.preventDefault();
    navigate(to);
  };
  // Memoised: fifty overview tiles re-render their links every second with the same `to`.
  const target = useMemo(() => new URL(to, 'http://x').pathname, [to]);
  const current = target === pathname;
  return (
    <a href={to} onClick={handleClick} aria-current={current ? 'page' : undefined} {...rest}>
      {children}
    </a>
  );
}

/**
 * The parameters of `pathname` under `pattern` (segments starting with `:` are parameters), or null
 * when it does not match. Parameters are decoded.
 * @example matchPath('/integrations/:name', '/integrations/email') // { name: 'email' }
 */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/');
  const have = pathname.split('/');
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = have[i] ?? '';
    if (part.startsWith(':')) {
      if (value === '') return null;
      try {
        params[part.slice(1)] = decodeURIComponent(value);
      } catch {
        return null;
      }
    } else if (part !== value) return null;
  }
  return params;
}
