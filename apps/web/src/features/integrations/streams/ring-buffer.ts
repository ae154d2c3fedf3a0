// A fixed-capacity buffer for live series: pushing is O(1) and memory never grows, however long the
// page stays open; the oldest value falls off when it is full.

/**
 * @example const last = new RingBuffer<number>(60); last.push(3); last.toArray(); // [3]
 */
export class RingBuffer<T> {
  private readonly items: Array<T | undefined>;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The newest item, or undefined when empty. */
  last(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.start + this.count - 1) % this.capacity];
  }

  /** Oldest first; a new array each time, so it can be handed to React as a fresh value. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++)
      out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }
}
