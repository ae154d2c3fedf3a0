// Page state kept in the query string (range, filters, search, sort), so a view can be shared as a
// link and Back/Forward step through it. Defaults are left out of the URL to keep links short.
import { useCallback } from 'react';
import { useLocation, useNavigate } from './router';

export interface SearchStateOptions {
  /**
   * Replace the current history entry instead of adding one: for changes made keystroke by
   * keystroke (a search box), where one Back should undo the whole edit.
   */
  replace?: boolean;
}

export type SearchUpdate = Record<string, string | null | undefined>;

/**
 * The query string as a URLSearchParams, and a setter that merges changes into it (null or an
 * empty string removes a parameter) and navigates.
 * @example const [params, setParams] = useSearchState(); setParams({ status: 'open' });
 */
export function useSearchState(): [
  URLSearchParams,
  (update: SearchUpdate, options?: SearchStateOptions) => void,
] {
  const { pathname, search, hash } = useLocation();
  const navigate = useNavigate();
  const set = useCallback(
    (update: SearchUpdate, options: SearchStateOptions = {}) => {
      const next = new URLSearchParams(search);
      for (const [key, value] of Object.entries(update)) {
        if (value === null || value === undefined || value === '') next.delete(key);
        else next.set(key, value);
      }
      const query = next.toString();
      navigate(`${pathname}${query ? `?${query}` : ''}${hash}`, options);
    },
    [navigate, pathname, search, hash],
  );
  return [new URLSearchParams(search), set];
}

/**
 * One parameter restricted to `allowed` values: anything else in the URL reads as `fallback`.
 * @example const [sort, setSort] = useSearchChoice('sort', ['name', 'errors'] as const, 'name');
 */
export function useSearchChoice<T extends string>(
  name: string,
  allowed: readonly T[],
  fallback: T,
): [T, (value: T, options?: SearchStateOptions) => void] {
  const [params, setParams] = useSearchState();
  const raw = params.get(name);
  const value = (allowed as readonly string[]).includes(raw ?? '') ? (raw as T) : fallback;
  const set = useCallback(
    (next: T, options?: SearchStateOptions) =>
      setParams({ [name]: next === fallback ? null : next }, options),
    [setParams, name, fallback],
  );
  return [value, set];
}
