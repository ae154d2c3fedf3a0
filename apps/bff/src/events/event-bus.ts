// The one in-process event bus. Producers publish typed events; readers subscribe and never call each other.
import type { BusEvent } from '@switchboard/shared/events';
import type { Logger } from '../http/logger';

export type EventHandler = (event: BusEvent) => void;

export interface EventBus {
  publish(event: BusEvent): void;
  /** Returns the function that unsubscribes. */
  subscribe(handler: EventHandler): () => void;
}

/**
 * Synchronous fan-out to every subscriber; a throwing reader is logged and never stops the others
 * or the producer.
 * @example const bus = createEventBus(logger); const off = bus.subscribe((e) => count(e));
 */
export function createEventBus(logger: Logger): EventBus {
  const handlers = new Set<EventHandler>();
  return {
    publish(event) {
      for (const handler of handlers) {
        try {
          handler(event);
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          logger.error(
            { err: { name: e.name, message: e.message }, event: event.type },
            'event reader failed',
          );
        }
      }
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
}
