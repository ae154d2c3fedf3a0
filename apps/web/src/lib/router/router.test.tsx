// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBrowserRouter, Link, RouterProvider, useLocation, type Router } from './router';

function Where() {
  const { pathname, search } = useLocation();
  return <p data-testid="where">{`${pathname}${search}`}</p>;
}

const where = () => screen.getByTestId('where').textContent;

describe('createBrowserRouter', () => {
  let router: Router;
  beforeEach(() => {
    window.history.replaceState(null, '', '/start');
    router = createBrowserRouter(window);
    render(
      <RouterProvider router={router}>
        <Where />
        <Link to="/admin/audit?actor=ana&action=auth.login">Audit</Link>
      </RouterProvider>,
    );
  });
  afterEach(cleanup);

  it('navigates with the History API, keeping the query string', () => {
    act(() => router.navigate('/admin/users?sort=name'));
    expect(where()).toBe('/admin/users?sort=name');
    expect(window.location.pathname).toBe('/admin/users');
    expect(window.location.search).toBe('?sort=name');
  });

  it('follows Back and Forward (popstate), query strings included', async () => {
    act(() => router.navigate('/admin/users?sort=name'));
    fireEvent.click(screen.getByRole('link', { name: 'Audit' }));
    expect(where()).toBe('/admin/audit?actor=ana&action=auth.login');

    act(() => window.history.back());
    await waitFor(() => expect(where()).toBe('/admin/users?sort=name'));
    act(() => window.history.back());
    await waitFor(() => expect(where()).toBe('/start'));
    act(() => window.history.forward());
    await waitFor(() => expect(where()).toBe('/admin/users?sort=name'));
  });

  it('replaces the entry for redirects, so Back skips them', async () => {
    act(() => router.navigate('/one'));
    act(() => router.navigate('/two', { replace: true }));
    expect(where()).toBe('/two');
    act(() => window.history.back());
    await waitFor(() => expect(where()).toBe('/start'));
  });

  it('marks the link to the current page and leaves modified clicks to the browser', () => {
    const link = screen.getByRole('link', { name: 'Audit' });
    expect(link.getAttribute('href')).toBe('/admin/audit?actor=ana&action=auth.login');
    // Ctrl-click opens a new tab: the router must not swallow it.
    fireEvent.click(link, { ctrlKey: true });
    expect(where()).toBe('/start');
    fireEvent.click(link);
    expect(link.getAttribute('aria-current')).toBe('page');
  });
});
