import { BookGrid, BookGridSpec } from './book-grid';
import { BookSide } from './book-side';
import { BookDelta } from './order-book.parse';

/**
 * What one message did to the book. Strings, not objects: returning one allocates nothing.
 * - `applied`: a contiguous delta (u = previous + 1) was applied.
 * - `reset`: a snapshot, or a delta with u = 1 (Bybit service restart), replaced the book.
 * - `ignored-stale-u`: a delta with u ≤ the current u (duplicate or late); the book is unchanged.
 * - `awaiting-snapshot`: a delta before the first snapshot or while a resync is pending; ignored.
 * - `gap`: u jumped past previous + 1; the book is dropped and needs a resync (fresh snapshot).
 * - `crossed`: after the message best bid ≥ best ask; the book is kept for inspection but needs a resync.
 */
export type BookApplyResult = 'applied' | 'reset' | 'ignored-stale-u' | 'awaiting-snapshot' | 'gap' | 'crossed';

/** True for the results after which the caller must resubscribe for a fresh snapshot. */
export function requiresResync(result: BookApplyResult): boolean {
  return result === 'gap' || result === 'crossed';
}

/** Top-N levels, best first, filled in place by `topBids`/`topAsks`: prices in ticks, sizes in lots. */
export class BookLevels {
  prices: Float64Array;
  sizes: Float64Array;
  count = 0;

  constructor(capacity = 50) {
    this.prices = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  reserve(capacity: number): void {
    if (this.prices.length >= capacity) return;
    this.prices = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }
}

/** Decimal-string view of a book for `/data/orderbook/{symbol}` (built off the hot path). */
export interface OrderBookView {
  readonly symbol: string;
  readonly bids: Array<[string, string]>;
  readonly asks: Array<[string, string]>;
  readonly u: number;
  readonly seq: number;
  readonly exchangeTs: number;
  readonly lastUpdateMs: number;
  readonly synced: boolean;
  readonly crossed: boolean;
  readonly needsResync: boolean;
}

/**
 * One L2 book for one symbol, fed by Bybit `orderbook.{depth}.{symbol}` messages (BYBIT.md §6.1): any snapshot
 * or u = 1 resets; a delta must carry u = previous + 1; u ≤ previous is ignored; a larger jump is a gap.
 * Prices are integer ticks and sizes integer lots on the instrument's grid; `apply` never throws and allocates
 * nothing once the sides have reached their working size. Time comes in as an argument.
 */
export class OrderBook {
  readonly grid: BookGrid;
  private readonly bids = new BookSide();
  /** Keys are negated prices, so the best (lowest) ask is the largest key, at the end like the bids. */
  private readonly asks = new BookSide();
  private snapshotSeen = false;
  private resyncPending = false;
  private isCrossed = false;
  private lastU = 0;
  private lastSeq = 0;
  private lastTs = 0;
  private updatedAtMs = Number.NaN;
  /**
   * Bumped by every change of the levels (snapshot, delta, the clear on a gap): derived values computed for one
   * version (the book metrics) stay valid until it moves.
   */
  version = 0;
  /** Counters for health and metrics. */
  gaps = 0;
  crossings = 0;
  resets = 0;

  constructor(
    readonly symbol: string,
    grid: BookGridSpec | BookGrid,
  ) {
    this.grid = BookGrid.of(grid);
  }

  /**
   * Applies one parsed message. `receivedAtMs` is the local receive time used for staleness (defaults to the
   * exchange `ts`; pass the clock's time in production so exchange clock skew cannot make a book look fresh).
   */
  apply(delta: BookDelta, receivedAtMs: number = delta.ts): BookApplyResult {
    if (delta.type === 'snapshot' || delta.u === 1) {
      this.bids.load(delta.bidPrices, delta.bidSizes, delta.bidCount, 1);
      this.asks.load(delta.askPrices, delta.askSizes, delta.askCount, -1);
      this.snapshotSeen = true;
      this.resyncPending = false;
      this.resets++;
      this.version++;
      this.accept(delta, receivedAtMs);
      return this.checkCrossed() ? 'crossed' : 'reset';
    }
    if (!this.snapshotSeen || this.resyncPending) return 'awaiting-snapshot';
    if (delta.u <= this.lastU) return 'ignored-stale-u';
    if (delta.u !== this.lastU + 1) {
      this.gaps++;
      this.resyncPending = true;
      this.bids.clear();
      this.asks.clear();
      this.version++;
      return 'gap';
    }
    this.bids.update(delta.bidPrices, delta.bidSizes, delta.bidCount, 1);
    this.asks.update(delta.askPrices, delta.askSizes, delta.askCount, -1);
    this.version++;
    this.accept(delta, receivedAtMs);
    return this.checkCrossed() ? 'crossed' : 'applied';
  }

  /** Marks the book as needing a fresh snapshot (reconnect, resubscribe); deltas are ignored until one arrives. */
  requestResync(): void {
    this.resyncPending = true;
  }

  private accept(delta: BookDelta, receivedAtMs: number): void {
    this.lastU = delta.u;
    this.lastSeq = delta.seq;
    this.lastTs = delta.ts;
    this.updatedAtMs = receivedAtMs;
  }

  /** Crossing is judged per message, never mid-message: a delta may add a bid before deleting the ask it crossed. */
  private checkCrossed(): boolean {
    const bids = this.bids;
    const asks = this.asks;
    // bid ≥ ask  ⇔  bidKey ≥ -askKey  ⇔  bidKey + askKey ≥ 0 (integers: exact)
    this.isCrossed = bids.count > 0 && asks.count > 0 && bids.keys[bids.top] + asks.keys[asks.top] >= 0;
    if (this.isCrossed) {
      this.crossings++;
      this.resyncPending = true;
    }
    return this.isCrossed;
  }

  // ---- state -------------------------------------------------------------------------------------------

  /** A snapshot has been applied and every delta since was contiguous and left the book uncrossed. */
  get synced(): boolean {
    return this.snapshotSeen && !this.resyncPending;
  }
  get needsResync(): boolean {
    return this.resyncPending;
  }
  get crossed(): boolean {
    return this.isCrossed;
  }
  /** Local time of the last applied message (NaN before the first). */
  get lastUpdateMs(): number {
    return this.updatedAtMs;
  }
  get u(): number {
    return this.lastU;
  }
  get seq(): number {
    return this.lastSeq;
  }
  /** Exchange `ts` of the last applied message. */
  get exchangeTs(): number {
    return this.lastTs;
  }

  /** No update within `maxAgeMs` of `nowMs` (or never one). */
  isStale(nowMs: number, maxAgeMs: number): boolean {
    const updated = this.updatedAtMs;
    return !(nowMs - updated <= maxAgeMs); // NaN (never updated) → stale
  }

  /** Whether a signal may be derived from this book now: synced, uncrossed, not resyncing, fresh, two-sided. */
  canSignal(nowMs: number, maxAgeMs: number): boolean {
    return (
      this.synced && !this.isCrossed && this.bids.count > 0 && this.asks.count > 0 && !this.isStale(nowMs, maxAgeMs)
    );
  }

  // ---- reads (prices in ticks, sizes in lots; index 0 = best) ----------------------------------------------

  get bidCount(): number {
    return this.bids.count;
  }
  get askCount(): number {
    return this.asks.count;
  }
  /** Best bid in ticks, NaN when the side is empty. */
  get bestBid(): number {
    const side = this.bids;
    return side.count > 0 ? side.keys[side.lo + side.count - 1] : Number.NaN;
  }
  /** Best ask in ticks, NaN when the side is empty. */
  get bestAsk(): number {
    const side = this.asks;
    return side.count > 0 ? -side.keys[side.lo + side.count - 1] : Number.NaN;
  }
  get bestBidSize(): number {
    const side = this.bids;
    return side.count > 0 ? side.sizes[side.lo + side.count - 1] : 0;
  }
  get bestAskSize(): number {
    const side = this.asks;
    return side.count > 0 ? side.sizes[side.lo + side.count - 1] : 0;
  }
  bidPriceAt(i: number): number {
    return this.bids.keys[this.bids.top - i];
  }
  bidSizeAt(i: number): number {
    return this.bids.sizes[this.bids.top - i];
  }
  askPriceAt(i: number): number {
    return -this.asks.keys[this.asks.top - i];
  }
  askSizeAt(i: number): number {
    return this.asks.sizes[this.asks.top - i];
  }

  /** The best `n` bids into `out` (best first), O(n). */
  topBids(n: number, out: BookLevels = new BookLevels(n)): BookLevels {
    return top(this.bids, n, 1, out);
  }

  /** The best `n` asks into `out` (best first), O(n). */
  topAsks(n: number, out: BookLevels = new BookLevels(n)): BookLevels {
    return top(this.asks, n, -1, out);
  }

  // ---- edges -------------------------------------------------------------------------------------------

  priceText(ticks: number): string {
    return this.grid.priceText(ticks);
  }
  sizeText(lots: number): string {
    return this.grid.sizeText(lots);
  }

  /** The top `depth` levels as Bybit-style decimal strings plus sequence and health, for the read API. */
  view(depth: number): OrderBookView {
    const bids: Array<[string, string]> = [];
    const asks: Array<[string, string]> = [];
    for (let i = 0, n = Math.min(depth, this.bids.count); i < n; i++)
      bids.push([this.priceText(this.bidPriceAt(i)), this.sizeText(this.bidSizeAt(i))]);
    for (let i = 0, n = Math.min(depth, this.asks.count); i < n; i++)
      asks.push([this.priceText(this.askPriceAt(i)), this.sizeText(this.askSizeAt(i))]);
    return {
      symbol: this.symbol,
      bids,
      asks,
      u: this.lastU,
      seq: this.lastSeq,
      exchangeTs: this.lastTs,
      lastUpdateMs: this.updatedAtMs,
      synced: this.synced,
      crossed: this.isCrossed,
      needsResync: this.resyncPending,
    };
  }
}

function top(side: BookSide, n: number, sign: 1 | -1, out: BookLevels): BookLevels {
  const count = n < side.count ? n : side.count;
  out.reserve(count);
  const keys = side.keys;
  const sizes = side.sizes;
  const last = side.top;
  for (let i = 0; i < count; i++) {
    out.prices[i] = sign * keys[last - i];
    out.sizes[i] = sizes[last - i];
  }
  out.count = count;
  return out;
}
