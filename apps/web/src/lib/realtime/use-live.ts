// React hooks over the live stream, through useSyncExternalStore (tear-free under concurrent
// rendering): the latest message of a topic, and the stream's health.
import type { SequencedMessage, Topic } from '@switchboard/shared/stream';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import type { Observable } from 'rxjs';
import type { StreamHealth } from './live-stream';
import { useLiveStream } from './realtime-context';

/** The latest message of one topic's shared stream, as a store for useSyncExternalStore. */
function createTopicStore(topic$: Observable<SequencedMessage>) {
  let latest: SequencedMessage | undefined;
  return {
    subscribe: (onChange: () => void) => {
      const subscription = topic$.subscribe((message) => {
        latest = message;
        onChange();
      });
      return () => subscription.unsubscribe();
    },
    getSnapshot: () => latest,
  };
}

/**
 * The latest message of `topic` (undefined until one arrives); the component re-renders on each.
 * Every component using the same topic shares one subscription (see `LiveStream.topic$`).
 * @example const latest = useTopic('integration:payments');
 */
export function useTopic(topic: Topic): SequencedMessage | undefined {
  const stream = useLiveStream();
  const store = useMemo(() => createTopicStore(stream.topic$(topic)), [stream, topic]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** The stream's health: state, transport, lag, merged and dropped counts. */
export function useStreamHealth(): StreamHealth {
  const stream = useLiveStream();
  const subscribe = useCallback(
    (onChange: () => void) => {
      const subscription = stream.health$.subscribe(onChange);
      return () => subscription.unsubscribe();
    },
    [stream],
  );
  return useSyncExternalStore(subscribe, stream.getHealth, stream.getHealth);
}
