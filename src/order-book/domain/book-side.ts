/**
 * One side of an L2 book as two parallel typed arrays sorted by key, best level LAST. Bids use key = price and
 * asks key = -price, so both sides are ascending and share this code. The levels occupy the window
 * [lo, lo + count) of the arrays, with free room on both sides: an insert or delete shifts whichever part of the
 * window is shorter, so changes at either end shift nothing. That matters because both ends are hot: updates near
 * the touch dominate real traffic, and on a depth-limited feed (orderbook.50) every new level inside the window
 * pushes the deepest one out (a delete at the far end). The top N are the last N slots: an O(N) read with no sorting.
 * Keys and sizes are integers (ticks, lots) stored in doubles, so `===` on them is exact.
 */
export class BookSide {
  keys: Float64Array;
  sizes: Float64Array;
  /** Index of the deepest level; the best is at `lo + count - 1` (see `top`). */
  lo: number;
  count = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
    this.lo = capacity >> 1;
  }

  /** Index of the best level (lo - 1 when the side is empty). */
  get top(): number {
    return this.lo + this.count - 1;
  }

  clear(): void {
    this.count = 0;
    this.lo = this.keys.length >> 1;
  }

  /** Sets the size at `key`; size 0 deletes. Returns nothing: the caller checks crossing once per message. */
  set(key: number, size: number): void {
    const keys = this.keys;
    const n = this.count;
    const lo = this.lo;
    const last = lo + n - 1;
    // Fast path: at or beyond the best level (touch updates, new best prices).
    if (n === 0 || key > keys[last]) {
      if (size !== 0) this.insertAt(lo + n, key, size);
      return;
    }
    if (key === keys[last]) {
      if (size === 0) this.count = n - 1;
      else this.sizes[last] = size;
      return;
    }
    let a = lo;
    let b = last;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (keys[mid] < key) a = mid + 1;
      else b = mid;
    }
    if (keys[a] === key) {
      if (size === 0) this.removeAt(a);
      else this.sizes[a] = size;
    } else if (size !== 0) {
      this.insertAt(a, key, size);
    }
  }

  /**
   * Applies one message's levels for this side (`sign` as in load). Bybit sends them best-first with distinct
   * prices, and on a deep book (orderbook.500) they are spread over all of it: inserting and deleting them one by
   * one would shift a large part of the side per level. Sorted like that, they are applied in one pass down from the
   * top instead: a gap of free slots travels down through the window, every level above the next change crosses it
   * once, inserts fill it and deletes widen it, and one move closes it at the end. Any other order (or a short
   * message, cheaper level by level near the touch) goes through `set` in message order; with distinct prices both
   * give the same side.
   */
  update(prices: Float64Array, sizes: Float64Array, count: number, sign: 1 | -1): void {
    let sorted = count >= BATCH_MIN;
    for (let i = 1; i < count && sorted; i++) if (sign * prices[i] >= sign * prices[i - 1]) sorted = false;
    if (!sorted) {
      for (let i = 0; i < count; i++) this.set(sign * prices[i], sizes[i]);
      return;
    }
    // The gap starts above the window, as wide as the message (room for every level to be an insert).
    if (this.lo + this.count + count > this.keys.length) this.makeRoom(count);
    const keys = this.keys;
    const own = this.sizes;
    const lo = this.lo;
    const end = lo + this.count + count; // the levels above the gap end here
    let g = lo + this.count; // the gap is [g, g + width); [lo, g) below it, [g + width, end) above it
    let width = count;
    for (let j = 0; j < count; j++) {
      const key = sign * prices[j];
      // Levels above `key` cross the gap (they are in order: a scan down, as long as what it moves).
      let p = g;
      while (p > lo && keys[p - 1] > key) p--;
      move(keys, own, p, g, width);
      g = p;
      const size = sizes[j];
      if (g > lo && keys[g - 1] === key) {
        if (size === 0) {
          g--;
          width++;
        } else {
          own[g - 1] = size;
        }
      } else if (size !== 0) {
        width--;
        keys[g + width] = key;
        own[g + width] = size;
      }
    }
    // Close the gap by moving the shorter side across it.
    if (g - lo < end - g - width) {
      move(keys, own, lo, g, width);
      this.lo = lo + width;
    } else {
      move(keys, own, g + width, end, -width);
    }
    this.count = end - lo - width;
  }

  /**
   * Replaces the side (snapshots). Bybit sends levels strictly best-first with no zero sizes: that case is copied
   * in reverse in O(n), centred in the arrays. Anything else (duplicates, zeros, disorder) is applied level by level
   * in message order, exactly as a delta would be.
   */
  load(prices: Float64Array, sizes: Float64Array, count: number, sign: 1 | -1): void {
    this.clear();
    let ordered = true;
    for (let i = 0; i < count && ordered; i++) {
      if (sizes[i] === 0 || (i > 0 && sign * prices[i] >= sign * prices[i - 1])) ordered = false;
    }
    if (!ordered) {
      for (let i = 0; i < count; i++) this.set(sign * prices[i], sizes[i]);
      return;
    }
    if (this.keys.length < 2 * count) this.resize(2 * count);
    const lo = (this.keys.length - count) >> 1;
    const keys = this.keys;
    const own = this.sizes;
    for (let i = lo, j = count - 1; j >= 0; i++, j--) {
      keys[i] = sign * prices[j];
      own[i] = sizes[j];
    }
    this.lo = lo;
    this.count = count;
  }

  /** Inserts before slot `index` (lo ≤ index ≤ lo + count), moving the shorter part of the window out by one. */
  private insertAt(index: number, key: number, size: number): void {
    let lo = this.lo;
    let hi = lo + this.count;
    if (index - lo < hi - index) {
      if (lo === 0) {
        index += this.recentre() - lo;
        lo = this.lo;
      }
      // Shift [lo, index) down one slot; the new level takes index - 1.
      shift(this.keys, this.sizes, lo, index, -1);
      this.keys[index - 1] = key;
      this.sizes[index - 1] = size;
      this.lo = lo - 1;
    } else {
      if (hi === this.keys.length) {
        index += this.recentre() - lo;
        hi = this.lo + this.count;
      }
      shift(this.keys, this.sizes, index, hi, 1);
      this.keys[index] = key;
      this.sizes[index] = size;
    }
    this.count++;
  }

  /** Deletes slot `index`, closing the gap from the shorter side. */
  private removeAt(index: number): void {
    const lo = this.lo;
    const hi = lo + this.count;
    if (index - lo < hi - 1 - index) {
      shift(this.keys, this.sizes, lo, index, 1);
      this.lo = lo + 1;
    } else {
      shift(this.keys, this.sizes, index + 1, hi, -1);
    }
    this.count--;
  }

  /**
   * Centres the window, in place when the arrays have room for twice the levels (plus the one being inserted),
   * else in arrays twice as large; returns the new `lo`. Rare: the window drifts one slot per change at an end.
   */
  private recentre(): number {
    const n = this.count;
    if (this.keys.length >= 2 * (n + 1)) {
      const lo = (this.keys.length - n) >> 1;
      this.keys.copyWithin(lo, this.lo, this.lo + n);
      this.sizes.copyWithin(lo, this.lo, this.lo + n);
      this.lo = lo;
      return lo;
    }
    this.resize(2 * (n + 1));
    return this.lo;
  }

  /** At least `extra` free slots above the window: centred in place when that leaves enough, else larger arrays. */
  private makeRoom(extra: number): void {
    const n = this.count;
    if (this.keys.length >= 2 * n + 2 * extra) {
      const lo = (this.keys.length - n) >> 1;
      this.keys.copyWithin(lo, this.lo, this.lo + n);
      this.sizes.copyWithin(lo, this.lo, this.lo + n);
      this.lo = lo;
    } else {
      this.resize(2 * n + 2 * extra);
    }
  }

  /** Moves the levels into arrays of at least `capacity` slots, centred. */
  private resize(capacity: number): void {
    const n = this.count;
    const size = Math.max(capacity, 2 * this.keys.length, 8);
    const keys = new Float64Array(size);
    const sizes = new Float64Array(size);
    const lo = (size - n) >> 1;
    keys.set(this.keys.subarray(this.lo, this.lo + n), lo);
    sizes.set(this.sizes.subarray(this.lo, this.lo + n), lo);
    this.keys = keys;
    this.sizes = sizes;
    this.lo = lo;
  }
}

/** Below this many levels a message is applied level by level (`set`): near the touch that shifts little. */
const BATCH_MIN = 8;

/** Moves slots [from, to) by `by` slots (either way, overlapping or not) in both arrays. */
function move(keys: Float64Array, sizes: Float64Array, from: number, to: number, by: number): void {
  const n = to - from;
  if (n <= 0 || by === 0) return;
  if (n > 16) {
    keys.copyWithin(from + by, from, to);
    sizes.copyWithin(from + by, from, to);
  } else if (by > 0) {
    for (let i = to - 1; i >= from; i--) {
      keys[i + by] = keys[i];
      sizes[i + by] = sizes[i];
    }
  } else {
    for (let i = from; i < to; i++) {
      keys[i + by] = keys[i];
      sizes[i + by] = sizes[i];
    }
  }
}

/** Moves slots [from, to) by `by` (±1) in both arrays; a loop for short runs, copyWithin beyond. */
function shift(keys: Float64Array, sizes: Float64Array, from: number, to: number, by: 1 | -1): void {
  const n = to - from;
  if (n <= 0) return;
  if (n > 16) {
    keys.copyWithin(from + by, from, to);
    sizes.copyWithin(from + by, from, to);
  } else if (by === 1) {
    for (let i = to - 1; i >= from; i--) {
      keys[i + 1] = keys[i];
      sizes[i + 1] = sizes[i];
    }
  } else {
    for (let i = from; i < to; i++) {
      keys[i - 1] = keys[i];
      sizes[i - 1] = sizes[i];
    }
  }
}
