// The header's light/dark switch: a toggle button whose pressed state is "dark theme on".
import { useState } from 'react';
import { browserThemeHost, chooseTheme, currentTheme, type ThemeHost } from './theme';

export function ThemeToggle({ host }: { host?: ThemeHost }) {
  const [themeHost] = useState(() => host ?? browserThemeHost());
  const [theme, setTheme] = useState(() => currentTheme(themeHost));
  const dark = theme === 'dark';
  return (
    <button
      type="button"
      className="theme-toggle"
      aria-pressed={dark}
      data-testid="theme-toggle"
      onClick={() => {
        const next = dark ? 'light' : 'dark';
        chooseTheme(themeHost, next);
        setTheme(next);
      }}
    >
      <span aria-hidden="true">{dark ? '☾' : '☀'}</span> Dark theme
    </button>
  );
}
