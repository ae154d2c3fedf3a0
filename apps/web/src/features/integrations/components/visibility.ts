// Which tiles are on or near the screen, from one IntersectionObserver for the page: a live sparkline
// off screen skips its redraw (nobody sees it; the tile's figures in text stay current for screen
// readers and find-in-page) and redraws when it comes into view.
import { createContext } from 'react';

export interface VisibilityWatcher {
  /** Calls `onChange` with whether `element` is near the viewport; returns the unwatch. */
  watch(element: Element, onChange: (visible: boolean) => void): () => void;
  disconnect(): void;
}

/**
 * One observer for many elements; undefined where the browser has no IntersectionObserver (then
 * everything counts as visible).
 * @example const watcher = createVisibilityWatcher(); const unwatch = watcher?.watch(tile, draw);
 */
export function createVisibilityWatcher(): VisibilityWatcher | undefined {
  if (typeof IntersectionObserver === 'undefined') return undefined;
  const listeners = new Map<Element, Set<(visible: boolean) => void>>();
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries)
        for (const listener of listeners.get(entry.target) ?? []) listener(entry.isIntersecting);
    },
    // A quarter screen of margin: a tile scrolled into view has mostly been drawn already, and the
    // tiles far off screen (which content-visibility does not paint) are not drawn.
    { rootMargin: '25% 0px' },
  );
  return {
    watch(element, onChange) {
      let set = listeners.get(element);
      if (!set) {
        set = new Set();
        listeners.set(element, set);
        observer.observe(element);
      }
      set.add(onChange);
      return () => {
        set.delete(onChange);
        if (set.size > 0) return;
        listeners.delete(element);
        observer.unobserve(element);
      };
    },
    disconnect: () => observer.disconnect(),
  };
}

/** The overview's watcher; none elsewhere (every sparkline then draws every update). */
export const VisibilityContext = createContext<VisibilityWatcher | undefined>(undefined);
