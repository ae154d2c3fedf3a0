// Light or dark: the reader's explicit choice (kept in localStorage) or else the system's
// prefers-color-scheme. Applied as `data-theme` on <html>, which styles.css reads.
export type Theme = 'light' | 'dark';

export const themeStorageKey = 'switchboard-theme';

/** The browser parts the theme uses, injected so tests can hand over their own. */
export interface ThemeHost {
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  prefersDark: () => boolean;
  root: HTMLElement;
}

export const browserThemeHost = (): ThemeHost => ({
  // Storage can throw (privacy modes): then the choice simply lasts for the page.
  storage: (() => {
    try {
      return window.localStorage;
    } catch {
      return null;
    }
  })(),
  prefersDark: () => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false,
  root: document.documentElement,
});

/** The stored choice, if the reader made one. */
export function storedTheme(host: ThemeHost): Theme | null {
  let value: string | null = null;
  try {
    value = host.storage?.getItem(themeStorageKey) ?? null;
  } catch {
    value = null;
  }
  return value === 'light' || value === 'dark' ? value : null;
}

/** What the console shows: the stored choice, or the system's. */
export function currentTheme(host: ThemeHost): Theme {
  return storedTheme(host) ?? (host.prefersDark() ? 'dark' : 'light');
}

/**
 * Marks <html> with the theme in force. Called once at start (main.tsx), before the first paint of
 * the console, so a stored dark choice never flashes light.
 */
export function applyTheme(host: ThemeHost, theme: Theme | null = storedTheme(host)): void {
  if (theme) host.root.dataset.theme = theme;
  else delete host.root.dataset.theme;
}

/** Stores and applies an explicit choice. */
export function chooseTheme(host: ThemeHost, theme: Theme): void {
  try {
    host.storage?.setItem(themeStorageKey, theme);
  } catch {
    // Not persisted; still applied below.
  }
  applyTheme(host, theme);
}
