// Lets a burst of stream messages cost one render: values are folded as they arrive, and only the
// latest is handed on, once per animation frame.
import { Observable } from 'rxjs';

export interface FrameScheduler {
  request: (callback: () => void) => number;
  cancel: (handle: number) => void;
}

/** The browser's animation frames. */
export const browserFrames = (): FrameScheduler => ({
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
});

/**
 * Emits the latest value of `source$` at most once per animation frame (and never when nothing
 * changed). Completion and errors pass through after a pending value is flushed.
 * @example series$.pipe(latestPerFrame())
 */
export function latestPerFrame<T>(frames: FrameScheduler = browserFrames()) {
  return (source$: Observable<T>): Observable<T> =>
    new Observable<T>((subscriber) => {
      let pending: { value: T } | undefined;
      let handle: number | undefined;
      // Set before asking for a frame: a scheduler may run the callback at once (tests do).
      let scheduled = false;
      const flush = () => {
        scheduled = false;
        handle = undefined;
        if (!pending) return;
        const { value } = pending;
        pending = undefined;
        subscriber.next(value);
      };
      const subscription = source$.subscribe({
        next(value) {
          pending = { value };
          if (scheduled) return;
          scheduled = true;
          const requested = frames.request(flush);
          if (scheduled) handle = requested;
        },
        error(err: unknown) {
          if (handle !== undefined) frames.cancel(handle);
          scheduled = false;
          flush();
          subscriber.error(err);
        },
        complete() {
          if (handle !== undefined) frames.cancel(handle);
          scheduled = false;
          flush();
          subscriber.complete();
        },
      });
      return () => {
        if (handle !== undefined) frames.cancel(handle);
        subscription.unsubscribe();
      };
    });
}
