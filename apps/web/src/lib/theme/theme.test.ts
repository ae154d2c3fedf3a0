// The theme follows the system until the reader chooses, then keeps the choice.
import { describe, expect, it } from 'vitest';
import { applyTheme, chooseTheme, currentTheme, themeStorageKey, type ThemeHost } from './theme';

function host(prefersDark: boolean, stored: string | null = null) {
  const store = new Map<string, string>(stored === null ? [] : [[themeStorageKey, stored]]);
  const dataset: Record<string, string | undefined> = {};
  const fake: ThemeHost = {
    storage: {
      getItem: (key) => store.get(key) ?? null,
      setItem: (key, value) => void store.set(key, value),
    },
    prefersDark: () => prefersDark,
    root: { dataset } as unknown as HTMLElement,
  };
  return { fake, store, dataset };
}

describe('theme', () => {
  it('follows prefers-color-scheme while nothing is stored, and marks nothing on <html>', () => {
    const dark = host(true);
    expect(currentTheme(dark.fake)).toBe('dark');
    applyTheme(dark.fake);
    expect(dark.dataset.theme).toBeUndefined();
    expect(currentTheme(host(false).fake)).toBe('light');
  });

  it('keeps an explicit choice over the system preference and applies it', () => {
    const h = host(true);
    chooseTheme(h.fake, 'light');
    expect(h.store.get(themeStorageKey)).toBe('light');
    expect(h.dataset.theme).toBe('light');
    expect(currentTheme(h.fake)).toBe('light');
  });

  it('ignores a stored value that is not a theme', () => {
    const h = host(false, 'purple');
    expect(currentTheme(h.fake)).toBe('light');
    applyTheme(h.fake);
    expect(h.dataset.theme).toBeUndefined();
  });
});
