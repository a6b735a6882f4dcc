/**
 * A FIFO with a hard capacity that never blocks the producer: when full, the oldest item is dropped and counted.
 * The market feed must never wait for the database; losing the oldest snapshot is the cheaper failure.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError('capacity must be positive');
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.length >= this.capacity) {
      this.head += 1;
      this.dropped += 1;
    }
    this.items.push(item);
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Removes and returns up to `max` items, oldest first. */
  take(max: number): T[] {
    const n = Math.min(max, this.length);
    const out = this.items.slice(this.head, this.head + n);
    this.head += n;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return out;
  }

  /** Puts items back at the front (a failed write), keeping the capacity: the oldest are dropped first. */
  requeueFront(items: readonly T[]): void {
    const rest = this.items.slice(this.head);
    const merged = [...items, ...rest];
    const overflow = Math.max(0, merged.length - this.capacity);
    this.dropped += overflow;
    this.items = merged.slice(overflow);
    this.head = 0;
  }
}
