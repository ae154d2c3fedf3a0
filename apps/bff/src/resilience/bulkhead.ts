// Bulkhead for one integration: caps concurrent calls and queues a bounded number, first come first served.
import type { BulkheadPolicySchema } from '@switchboard/shared/catalog';
import type { z } from 'zod';
import { UpstreamError } from './upstream-error';

/** The bulkhead policy with every default applied. */
export type BulkheadPolicy = z.output<typeof BulkheadPolicySchema>;

export interface BulkheadSnapshot {
  active: number;
  queued: number;
  maxConcurrent: number;
  maxQueue: number;
}

export interface Bulkhead {
  /**
   * Runs `fn` in a free slot, or after waiting in the queue for one.
   * @throws UpstreamError `bulkhead_full` at once when every slot and queue place is taken.
   * @throws the signal's reason when it aborts while queued (the call leaves the queue).
   */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  snapshot(): BulkheadSnapshot;
}

/** A queued call, in a doubly linked list so an abort leaves the queue in O(1). */
interface Waiter {
  resolve: () => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  prev: Waiter | null;
  next: Waiter | null;
}

/**
 * Creates a bulkhead. A finishing call hands its slot straight to the oldest queued call, so
 * a newcomer can never overtake the queue in between.
 *
 * @example
 * const bulkhead = createBulkhead(policies.bulkhead);
 * const res = await bulkhead.execute((signal) => send(request, signal), deadline.signal);
 */
export function createBulkhead(policy: BulkheadPolicy): Bulkhead {
  return new QueueingBulkhead(policy);
}

class QueueingBulkhead implements Bulkhead {
  private active = 0;
  private queued = 0;
  private head: Waiter | null = null;
  private tail: Waiter | null = null;
  /** Handed to `fn` when the caller gave no signal, so `fn` always gets one. */
  private readonly idleSignal = new AbortController().signal;

  constructor(private readonly policy: BulkheadPolicy) {}

  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.active < this.policy.maxConcurrent) {
      this.active++;
    } else if (this.queued < this.policy.maxQueue) {
      // Resolves once a finishing call has handed over its slot (already counted in `active`).
      await this.enqueue(signal);
    } else {
      throw new UpstreamError(
        'bulkhead_full',
        `bulkhead full: ${this.policy.maxConcurrent} calls running and ${this.policy.maxQueue} queued`,
      );
    }
    try {
      // The signal may have aborted between the hand-over and this turn.
      signal?.throwIfAborted();
      return await fn(signal ?? this.idleSignal);
    } finally {
      this.release();
    }
  }

  snapshot(): BulkheadSnapshot {
    return {
      active: this.active,
      queued: this.queued,
      maxConcurrent: this.policy.maxConcurrent,
      maxQueue: this.policy.maxQueue,
    };
  }

  private enqueue(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, signal, onAbort: undefined, prev: this.tail, next: null };
      if (signal) {
        waiter.onAbort = () => {
          this.unlink(waiter);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (this.tail) this.tail.next = waiter;
      else this.head = waiter;
      this.tail = waiter;
      this.queued++;
    });
  }

  private release(): void {
    const waiter = this.head;
    if (waiter === null) {
      this.active--;
      return;
    }
    this.unlink(waiter);
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve();
  }

  private unlink(waiter: Waiter): void {
    if (waiter.prev) waiter.prev.next = waiter.next;
    else this.head = waiter.next;
    if (waiter.next) waiter.next.prev = waiter.prev;
    else this.tail = waiter.prev;
    waiter.prev = waiter.next = null;
    this.queued--;
  }
}
