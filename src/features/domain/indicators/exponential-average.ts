/**
 * TA-Lib's EMA on a stream of numbers (TA_INT_EMA, default compatibility): k = 2/(n+1) unless given; the first
 * value, at the n-th input, is the plain mean of the first n inputs (summed in order); then e = (x − e)·k + e.
 * Before that, `value` is 0 and `ready` false.
 */
export class ExponentialAverage {
  private seedSum = 0;
  private seen = 0;
  private current = 0;

  constructor(
    readonly period: number,
    private readonly k = 2 / (period + 1),
  ) {
    if (!Number.isInteger(period) || period < 1)
      throw new RangeError(`EMA period must be a positive integer, got ${period}`);
  }

  get ready(): boolean {
    return this.seen >= this.period;
  }

  get value(): number {
    return this.current;
  }

  push(x: number): number {
    if (this.seen < this.period) {
      this.seedSum += x;
      this.seen++;
      if (this.seen === this.period) this.current = this.seedSum / this.period;
      return this.current;
    }
    this.current = (x - this.current) * this.k + this.current;
    return this.current;
  }
}
