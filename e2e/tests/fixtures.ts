// Fixtures: a page signed in through the real sign-in form, and an API client sharing its cookies.
import { test as base, expect, type APIResponse, type Page } from '@playwright/test';
import { adminPassword } from './e2e-env';

/** Signs in through the form, as an operator would. */
export async function signInThroughForm(
  page: Page,
  username = 'admin',
  password = adminPassword(),
) {
  await page.goto('/sign-in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
}

/** Calls the API with the page's session, adding what the console adds to state changes. */
export interface Api {
  get(path: string): Promise<APIResponse>;
  send(
    method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    data?: unknown,
  ): Promise<APIResponse>;
}

export function apiOf(page: Page, baseURL: string): Api {
  const headers = { origin: new URL(baseURL).origin, 'x-csrf': '1' };
  return {
    get: (path) => page.request.get(path),
    send: (method, path, data) =>
      page.request.fetch(path, { method, headers, ...(data === undefined ? {} : { data }) }),
  };
}

export const test = base.extend<{ signedIn: Page; api: Api }>({
  signedIn: async ({ page }, use) => {
    await signInThroughForm(page);
    await use(page);
  },
  api: async ({ signedIn, baseURL }, use) => {
    await use(apiOf(signedIn, baseURL ?? ''));
  },
});

export { expect };
