// @vitest-environment jsdom
// The webhook sender sends the chosen variant and shows what the endpoint answered.
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReactNode } from 'react';
import { createBrowserRouter, RouterProvider } from '../../../lib/router/router';
import { WebhookSender } from './webhook-sender';

const inRouter = (node: ReactNode) => (
  <RouterProvider router={createBrowserRouter(window)}>{node}</RouterProvider>
);

describe('WebhookSender', () => {
  afterEach(cleanup);

  it('sends the chosen variant', () => {
    const onSend = vi.fn();
    render(inRouter(<WebhookSender pending={false} result={undefined} onSend={onSend} />));
    fireEvent.change(screen.getByLabelText('Delivery'), { target: { value: 'expired' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send contact.created' }));
    expect(onSend).toHaveBeenCalledWith('expired');
  });

  it('shows the last answer with a link to the log, and blocks a second send while one is pending', () => {
    const { rerender } = render(
      inRouter(<WebhookSender pending result={undefined} onSend={vi.fn()} />),
    );
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Sending…' }).disabled).toBe(true);
    rerender(
      inRouter(
        <WebhookSender
          pending={false}
          result={{ deliveryId: 'msg_1', variant: 'expired', status: 401, outcome: 'Refused.' }}
          onSend={vi.fn()}
        />,
      ),
    );
    expect(screen.getByRole('status').textContent).toContain('msg_1: HTTP 401, Refused.');
    expect(screen.getByRole('link', { name: 'See the webhook log' }).getAttribute('href')).toBe(
      '/webhooks',
    );
  });
});
