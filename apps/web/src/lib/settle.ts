// Reacts to a mutation's outcome from its promise (`mutateAsync`), not from `mutate`'s per-call
// callbacks: TanStack Query calls those only while the component's observer is subscribed, which
// happens in an effect after the first render. A click that lands between the render and that
// effect (a test does it every time, a fast hand now and then) would lose the toast that reports
// the outcome; the promise always settles.

/**
 * @example settle(update.mutateAsync(patch), { onSuccess: () => toast.show('success', 'Saved.'), onError });
 */
export function settle<T>(
  pending: Promise<T>,
  handlers: { onSuccess?: (value: T) => void; onError: (error: Error) => void },
): void {
  pending.then(handlers.onSuccess, (error: unknown) =>
    handlers.onError(error instanceof Error ? error : new Error(String(error))),
  );
}
