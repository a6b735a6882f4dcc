/**
 * A FIFO that never holds more than `capacity` items: pushing onto a full queue evicts the oldest item. Used for
 * the event channels of /ws (orders, positions), whose frames cannot be coalesced like book samples but must not
 * pile up behind a slow client either. Pure: no sockets, no timers.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  /** Index of the oldest item; the consumed prefix is compacted away once it outgrows the live part. */
  private head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Appends `item`; returns the evicted oldest item when the queue was full, else undefined. */
  push(item: T): T | undefined {
    const evicted = this.size >= this.capacity ? this.shift() : undefined;
    this.items.push(item);
    return evicted;
  }

  peek(): T | undefined {
    return this.size > 0 ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.head += 1;
    if (this.head * 2 >= this.items.length) this.compact();
    return item;
  }

  /** Removes every item matching `predicate` (order of the rest kept); returns how many were removed. */
  removeWhere(predicate: (item: T) => boolean): number {
    const before = this.size;
    this.items = this.items.slice(this.head).filter((item) => !predicate(item));
    this.head = 0;
    return before - this.size;
  }

  private compact(): void {
    this.items = this.items.slice(this.head);
    this.head = 0;
  }
}
