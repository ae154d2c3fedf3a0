import { describe, expect, it, vi } from 'vitest';
import { settle } from './settle';

describe('settle', () => {
  it('hands the value to onSuccess and never calls onError', async () => {
    const onSuccess = vi.fn();
    const onError = vi.fn();
    settle(Promise.resolve(42), { onSuccess, onError });
    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalledWith(42));
    expect(onError).not.toHaveBeenCalled();
  });

  it('hands onError an Error even when the promise rejects with something else', async () => {
    const onError = vi.fn<(error: Error) => void>();
    settle(Promise.reject(new Error('The BFF said no.')), { onError });
    // A thrown string reaches here as it is (nothing in the chain turned it into an Error).
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    settle(Promise.reject('plain text'), { onError });
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(2));
    expect(onError.mock.calls.map(([e]) => [e instanceof Error, e.message])).toEqual([
      [true, 'The BFF said no.'],
      [true, 'plain text'],
    ]);
  });
});
