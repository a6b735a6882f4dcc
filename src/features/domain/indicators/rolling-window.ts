/**
 * Fixed-size ring of the last `size` values with running Σx and (optionally) Σx².
 * The sums are re-added from the ring each time the write position wraps (every `size` pushes), so rounding
 * drift from add/subtract cannot build up over a long live run; amortised cost stays O(1) per push.
 * On the first wrap the re-sum adds the values oldest first, which is exactly TA-Lib's seed sum.
 */
export class RollingWindow {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;
  private total = 0;
  private totalOfSquares = 0;

  constructor(
    readonly size: number,
    private readonly trackSquares = false,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`window size must be a positive integer, got ${size}`);
    this.values = new Float64Array(size);
  }

  get full(): boolean {
    return this.filled === this.size;
  }

  get count(): number {
    return this.filled;
  }

  get sum(): number {
    return this.total;
  }

  get sumOfSquares(): number {
    return this.totalOfSquares;
  }

  push(value: number): void {
    if (this.filled === this.size) {
      const old = this.values[this.next];
      this.total -= old;
      if (this.trackSquares) this.totalOfSquares -= old * old;
    } else {
      this.filled++;
    }
    this.values[this.next] = value;
    this.total += value;
    if (this.trackSquares) this.totalOfSquares += value * value;
    this.next++;
    if (this.next === this.size) {
      this.next = 0;
      this.resum();
    }
  }

  /** The value pushed `ago` pushes before the latest (0 = latest); requires ago < count. */
  at(ago: number): number {
    let index = this.next - 1 - ago;
    if (index < 0) index += this.size;
    return this.values[index];
  }

  /** Highest held value: an O(size) scan, meant for small windows (HH of 14 candles). */
  max(): number {
    let best = -Infinity;
    for (let i = 0; i < this.filled; i++) if (this.values[i] > best) best = this.values[i];
    return best;
  }

  /** Lowest held value: an O(size) scan. */
  min(): number {
    let best = Infinity;
    for (let i = 0; i < this.filled; i++) if (this.values[i] < best) best = this.values[i];
    return best;
  }

  private resum(): void {
    let total = 0;
    let squares = 0;
    for (let i = 0; i < this.size; i++) {
      const value = this.values[i];
      total += value;
      squares += value * value;
    }
    this.total = total;
    if (this.trackSquares) this.totalOfSquares = squares;
  }
}
