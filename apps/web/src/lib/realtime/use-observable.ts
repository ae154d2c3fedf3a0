// Bridges an RxJS observable into React through useSyncExternalStore (tear-free under concurrent rendering).
import { useMemo, useSyncExternalStore } from 'react';
import type { Observable } from 'rxjs';

interface ObservableStore<T> {
  subscribe: (onChange: () => void) => () => void;
  getSnapshot: () => T;
}

function createObservableStore<T>(source$: Observable<T>, initial: T): ObservableStore<T> {
  let value = initial;
  return {
    subscribe(onChange) {
      const subscription = source$.subscribe((next) => {
        value = next;
        onChange();
      });
      return () => subscription.unsubscribe();
    },
    getSnapshot: () => value,
  };
}

/**
 * The latest value of `source$`, or `initial` until it emits. Pass a stable observable and initial
 * value (memoised or module-level): new ones resubscribe.
 * @example const health = useObservable(live.health$, initialHealth);
 */
export function useObservable<T>(source$: Observable<T>, initial: T): T {
  const store = useMemo(() => createObservableStore(source$, initial), [source$, initial]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
