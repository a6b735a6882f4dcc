/**
 * One side of an L2 book as two parallel typed arrays sorted by key, best level LAST. Bids use key = price and
 * asks key = -price, so both sides are ascending and share this code. Keeping the best level at the end means the
 * updates that dominate real traffic (near the touch) shift only the few elements above them, inserting or
 * deleting at the far end shifts nothing, and the top N are the last N slots: an O(N) read with no sorting.
 * Keys and sizes are integers (ticks, lots) stored in doubles, so `===` on them is exact.
 */
export class BookSide {
  keys: Float64Array;
  sizes: Float64Array;
  count = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  clear(): void {
    this.count = 0;
  }

  /** Sets the size at `key`; size 0 deletes. Returns nothing: the caller checks crossing once per message. */
  set(key: number, size: number): void {
    const keys = this.keys;
    const n = this.count;
    // Fast path: at or beyond the best level (touch updates, new best prices).
    if (n === 0 || key > keys[n - 1]) {
      if (size !== 0) this.insertAt(n, key, size);
      return;
    }
    if (key === keys[n - 1]) {
      if (size === 0) this.count = n - 1;
      else this.sizes[n - 1] = size;
      return;
    }
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    if (keys[lo] === key) {
      if (size === 0) this.removeAt(lo);
      else this.sizes[lo] = size;
    } else if (size !== 0) {
      this.insertAt(lo, key, size);
    }
  }

  /**
   * Replaces the side (snapshots). Bybit sends levels strictly best-first with no zero sizes: that case is copied
   * in reverse in O(n). Anything else (duplicates, zeros, disorder) is applied level by level in message order,
   * exactly as a delta would be.
   */
  load(prices: Float64Array, sizes: Float64Array, count: number, sign: 1 | -1): void {
    this.count = 0;
    let ordered = true;
    for (let i = 0; i < count && ordered; i++) {
      if (sizes[i] === 0 || (i > 0 && sign * prices[i] >= sign * prices[i - 1])) ordered = false;
    }
    if (!ordered) {
      for (let i = 0; i < count; i++) this.set(sign * prices[i], sizes[i]);
      return;
    }
    while (this.keys.length < count) this.grow();
    const keys = this.keys;
    const own = this.sizes;
    for (let i = 0, j = count - 1; j >= 0; i++, j--) {
      keys[i] = sign * prices[j];
      own[i] = sizes[j];
    }
    this.count = count;
  }

  private insertAt(index: number, key: number, size: number): void {
    let n = this.count;
    if (n === this.keys.length) this.grow();
    const keys = this.keys;
    const sizes = this.sizes;
    if (n - index > 16) {
      keys.copyWithin(index + 1, index, n);
      sizes.copyWithin(index + 1, index, n);
    } else {
      for (; n > index; n--) {
        keys[n] = keys[n - 1];
        sizes[n] = sizes[n - 1];
      }
    }
    keys[index] = key;
    sizes[index] = size;
    this.count++;
  }

  private removeAt(index: number): void {
    const n = --this.count;
    const keys = this.keys;
    const sizes = this.sizes;
    if (n - index > 16) {
      keys.copyWithin(index, index + 1, n + 1);
      sizes.copyWithin(index, index + 1, n + 1);
    } else {
      for (let i = index; i < n; i++) {
        keys[i] = keys[i + 1];
        sizes[i] = sizes[i + 1];
      }
    }
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const sizes = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    sizes.set(this.sizes);
    this.keys = keys;
    this.sizes = sizes;
  }
}
