// Accessibility: every page of the console, in the light and the dark theme, has no serious or
// critical axe violations (WCAG 2.1 A and AA rules).
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, signInThroughForm, test } from './fixtures';

const themes = ['light', 'dark'] as const;

/** Signed-in pages, each with something that shows it has finished loading. */
const pages: { path: string; ready: (page: Page) => Promise<void> }[] = [
  { path: '/', ready: (p) => expect(p.getByTestId('tile-users')).toBeVisible() },
  { path: '/admin/users', ready: (p) => expect(p.getByTestId('user-row-admin')).toBeVisible() },
  { path: '/admin/sessions', ready: (p) => expect(p.getByTestId('sessions-table')).toBeVisible() },
  { path: '/admin/audit', ready: (p) => expect(p.getByTestId('audit-table')).toBeVisible() },
  {
    path: '/views?view=user-profile',
    ready: (p) => expect(p.getByTestId('waterfall-row-profile')).toBeVisible(),
  },
  {
    path: '/incidents',
    ready: (p) => expect(p.getByRole('heading', { name: 'Incidents', level: 1 })).toBeVisible(),
  },
  { path: '/sandbox', ready: (p) => expect(p.getByTestId('chaos-form-email')).toBeVisible() },
  { path: '/queue', ready: (p) => expect(p.getByTestId('queue-totals')).toBeVisible() },
  {
    path: '/dead-letters',
    ready: (p) => expect(p.getByRole('heading', { name: 'Dead letters', level: 1 })).toBeVisible(),
  },
  {
    path: '/webhooks',
    ready: (p) => expect(p.getByRole('heading', { name: 'Webhook log', level: 1 })).toBeVisible(),
  },
];

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
}

async function useTheme(page: Page, theme: (typeof themes)[number]) {
  // Before any script of the page runs, as a stored choice from an earlier visit would be.
  await page.addInitScript((t) => window.localStorage.setItem('switchboard-theme', t), theme);
}

for (const theme of themes) {
  test.describe(`${theme} theme`, () => {
    test('the sign-in page', async ({ page }) => {
      await useTheme(page, theme);
      await page.goto('/sign-in');
      await expect(page.getByLabel('Username')).toBeVisible();
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      expect(await seriousViolations(page)).toEqual([]);
    });

    test('every signed-in page', async ({ page }) => {
      test.setTimeout(120_000);
      await useTheme(page, theme);
      await signInThroughForm(page);
      for (const { path, ready } of pages) {
        await test.step(path, async () => {
          await page.goto(path);
          await ready(page);
          await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
          await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
          await expect(page.getByTestId('stream-status')).toBeVisible();
          expect(await seriousViolations(page), path).toEqual([]);
        });
      }
    });
  });
}

test('the theme toggle switches and is remembered across visits', async ({ signedIn: page }) => {
  const toggle = page.getByTestId('theme-toggle');
  const pressed = (await toggle.getAttribute('aria-pressed')) === 'true';
  await toggle.click();
  const now = pressed ? 'light' : 'dark';
  await expect(page.locator('html')).toHaveAttribute('data-theme', now);
  await expect(toggle).toHaveAttribute('aria-pressed', String(!pressed));
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', now);
  await expect(page.getByTestId('theme-toggle')).toHaveAttribute('aria-pressed', String(!pressed));
});

test('the check itself catches a serious violation (control)', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page.getByLabel('Username')).toBeVisible();
  // An unlabelled text box: axe's `label` rule, impact critical.
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'text';
    document.querySelector('main')?.append(input);
  });
  expect((await seriousViolations(page)).map((v) => v.rule)).toContain('label');
});

test('keyboard users reach the navigation and the page controls, with a visible focus ring', async ({
  signedIn: page,
}) => {
  await page.goto('/views?view=messaging');
  await expect(page.getByTestId('waterfall-row-email')).toBeVisible();
  const reached: string[] = [];
  for (let i = 0; i < 25; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      // Past the last control focus leaves the page for the browser's own UI.
      if (!(el instanceof HTMLElement) || el === document.body) return null;
      const style = getComputedStyle(el);
      return {
        text: el.textContent?.trim() ?? '',
        outline: style.outlineStyle,
        width: style.outlineWidth,
      };
    });
    if (!focused) continue;
    // Every stop shows where focus is.
    expect(focused.outline, focused.text).not.toBe('none');
    expect(focused.width, focused.text).not.toBe('0px');
    reached.push(focused.text);
  }
  expect(reached).toEqual(
    expect.arrayContaining(['Views', 'Incidents', 'Dead letters', 'messaging', 'Run again']),
  );
});
