// @vitest-environment jsdom
// The payload editor shows the diff as it is typed, refuses invalid JSON, and saves only a change.
import type { Job } from '@switchboard/shared/queue';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ToastProvider } from '../../../components/toast';
import { createApiClient } from '../../../lib/api-client';
import { ApiProvider } from '../../../lib/api-context';
import { createFakeServer, json } from '../../../test/fake-server';
import { DiffView } from './diff-view';
import { PayloadEditor } from './payload-editor';

const job = (payload: unknown, revision: number): Job => ({
  id: 'j1',
  type: 'email.send',
  payload,
  idempotencyKey: 'k1',
  status: 'dead',
  priority: 0,
  attempts: 3,
  maxAttempts: 3,
  round: 1,
  revision,
  runAt: 0,
  leaseUntil: null,
  integration: 'email',
  operation: 'send',
  lastErrorKind: 'http_5xx',
  createdAt: 0,
  updatedAt: 0,
  deadAt: 0,
  discardReason: null,
  history: [],
});

function renderEditor(onClose = vi.fn()) {
  const server = createFakeServer({
    'PUT /api/dead-letters/j1/payload': ({ body }) =>
      json(200, {
        deadLetter: job((body as { payload: unknown }).payload, 1),
        diff: [{ path: '/to', op: 'replace', before: 'a@x', after: 'b@x' }],
      }),
  });
  const api = createApiClient({ fetch: server.fetch, locks: null });
  render(
    <ApiProvider client={api}>
      <QueryClientProvider client={new QueryClient()}>
        <ToastProvider>
          <PayloadEditor id="j1" payload={{ to: 'a@x', n: 1 }} onClose={onClose} />
        </ToastProvider>
      </QueryClientProvider>
    </ApiProvider>,
  );
  return { server, onClose };
}

describe('PayloadEditor', () => {
  afterEach(cleanup);

  it('starts with no change and Save disabled', () => {
    renderEditor();
    expect(screen.getByText('No changes to the payload.')).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Save payload' }).disabled).toBe(
      true,
    );
  });

  it('refuses text that is not JSON, saying why', () => {
    renderEditor();
    const box = screen.getByLabelText('Payload (JSON)');
    fireEvent.change(box, { target: { value: '{"to": ' } });
    expect(box.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/Not valid JSON/)).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Save payload' }).disabled).toBe(
      true,
    );
  });

  it('shows the diff while typing and sends the edited payload on save', async () => {
    const { server, onClose } = renderEditor();
    fireEvent.change(screen.getByLabelText('Payload (JSON)'), {
      target: { value: '{"to": "b@x", "n": 1, "cc": "c@x"}' },
    });
    const diff = screen.getByTestId('payload-diff');
    const items = within(diff)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(items).toEqual(['+ /cc addedafter: "c@x"', '± /to changedbefore: "a@x"after: "b@x"']);
    fireEvent.click(screen.getByRole('button', { name: 'Save payload' }));
    expect(await screen.findByText(/Saved the payload \(revision 1, 1 change\)/)).toBeTruthy();
    expect(server.requests.find((r) => r.method === 'PUT')?.body).toEqual({
      payload: { to: 'b@x', n: 1, cc: 'c@x' },
    });
    expect(onClose).toHaveBeenCalledOnce();
  });
});

describe('DiffView', () => {
  afterEach(cleanup);

  it('marks each change by sign and words, not colour alone', () => {
    render(
      <DiffView
        title="Edit"
        changes={[
          { path: '/a', op: 'add', after: 1 },
          { path: '/b', op: 'remove', before: 2 },
        ]}
      />,
    );
    expect(screen.getByText('Edit: 2 changes')).toBeTruthy();
    const [add, remove] = within(screen.getByTestId('payload-diff')).getAllByRole('listitem');
    expect(add?.className).toBe('diff--add');
    expect(add?.textContent).toBe('+ /a addedafter: 1');
    expect(remove?.textContent).toBe('− /b removedbefore: 2');
  });
});
