/**
 * A fixed-size ring of recent latency samples with percentiles on demand: recording is O(1) and allocation-free
 * (it runs on the order path); percentiles sort a copy, only when /trading/execution-stats asks.
 */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;
  private total = 0;

  /** `signed`: negative samples are kept (e.g. slippage, where a price improvement is negative). */
  constructor(
    capacity = 1024,
    private readonly signed = false,
  ) {
    this.samples = new Float64Array(capacity);
  }

  record(value: number): void {
    if (!Number.isFinite(value) || (!this.signed && value < 0)) return;
    this.samples[this.next] = value;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled += 1;
    this.total += 1;
  }

  get count(): number {
    return this.total;
  }

  /** p in [0, 100]; nearest-rank over the window; null when empty. */
  percentiles(ps: readonly number[]): Array<number | null> {
    if (this.filled === 0) return ps.map(() => null);
    const sorted = Array.from(this.samples.subarray(0, this.filled)).sort((a, b) => a - b);
    return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]);
  }

  mean(): number | null {
    if (this.filled === 0) return null;
    let sum = 0;
    for (let i = 0; i < this.filled; i++) sum += this.samples[i];
    return sum / this.filled;
  }
}
