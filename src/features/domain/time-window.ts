/**
 * A time window of events (FEATURES.md §1: "a W-s window holds events with ts > now − W"): a growable ring of
 * rows (ts plus `columns` numbers) with running column sums, evicted by timestamp. Rows are written in place
 * (`push` returns the row's base index) so nothing is allocated per event once the ring has reached its working
 * size. Running sums are re-added from the ring every `capacity` pushes and zeroed when the window empties, so
 * rounding drift from add/subtract cannot build up.
 */
export class TimeWindow {
  private times: Float64Array;
  private rows: Float64Array;
  private capacity: number;
  private head = 0;
  private size = 0;
  private sinceResum = 0;
  readonly sums: Float64Array;

  constructor(
    readonly columns: number,
    initialCapacity = 256,
  ) {
    this.capacity = initialCapacity;
    this.times = new Float64Array(initialCapacity);
    this.rows = new Float64Array(initialCapacity * columns);
    this.sums = new Float64Array(columns);
  }

  get count(): number {
    return this.size;
  }

  /** Timestamp of the oldest held event (NaN when empty). */
  get oldest(): number {
    return this.size > 0 ? this.times[this.head] : Number.NaN;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.sums.fill(0);
  }

  /** Drops events with ts ≤ cutoff (cutoff = now − W). */
  evict(cutoff: number): void {
    const cols = this.columns;
    while (this.size > 0 && this.times[this.head] <= cutoff) {
      const base = this.head * cols;
      for (let c = 0; c < cols; c++) this.sums[c] -= this.rows[base + c];
      this.head++;
      if (this.head === this.capacity) this.head = 0;
      this.size--;
    }
    if (this.size === 0) {
      this.head = 0;
      this.sums.fill(0);
    }
  }

  /** Appends a row at `ts` with all columns 0; returns its base index for `set`. */
  push(ts: number): number {
    if (this.size === this.capacity) this.grow();
    let index = this.head + this.size;
    if (index >= this.capacity) index -= this.capacity;
    this.times[index] = ts;
    const base = index * this.columns;
    for (let c = 0; c < this.columns; c++) this.rows[base + c] = 0;
    this.size++;
    if (++this.sinceResum >= this.capacity) this.resum();
    return base;
  }

  /** Sets column `column` of the row at `base` (from `push`) and adds it to the running sum. */
  set(base: number, column: number, value: number): void {
    this.rows[base + column] = value;
    this.sums[column] += value;
  }

  private resum(): void {
    this.sinceResum = 0;
    const cols = this.columns;
    this.sums.fill(0);
    for (let k = 0, i = this.head; k < this.size; k++) {
      const base = i * cols;
      for (let c = 0; c < cols; c++) this.sums[c] += this.rows[base + c];
      if (++i === this.capacity) i = 0;
    }
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const cols = this.columns;
    const times = new Float64Array(capacity);
    const rows = new Float64Array(capacity * cols);
    for (let k = 0, i = this.head; k < this.size; k++) {
      times[k] = this.times[i];
      for (let c = 0; c < cols; c++) rows[k * cols + c] = this.rows[i * cols + c];
      if (++i === this.capacity) i = 0;
    }
    this.times = times;
    this.rows = rows;
    this.capacity = capacity;
    this.head = 0;
  }
}
