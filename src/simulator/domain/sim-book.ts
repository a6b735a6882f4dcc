import type { BookLevel, LiquiditySource, Side } from './liquidity';

/**
 * An L2 order book over integer ticks and lots: one sorted pair of arrays per side, best level first (bids
 * descending, asks ascending). Books here hold at most a few thousand levels and nearly all activity is near the
 * touch, so a binary search plus `splice` beats any tree in practice and keeps reads of the top N allocation-free.
 *
 * The book does not decide what a delta contains: publishers diff the top-N window they last sent against the
 * current one (sim-book-publisher.ts), which also covers levels that enter or leave the window without changing.
 * `version` counts mutations so a publisher can skip that diff when nothing happened.
 */
export type BookSide = 'bid' | 'ask';

export class SimBookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimBookError';
  }
}

export class SimBook implements LiquiditySource {
  private readonly bidPrices: number[] = [];
  private readonly bidSizes: number[] = [];
  private readonly askPrices: number[] = [];
  private readonly askSizes: number[] = [];
  private mutations = 0;

  /** Increases on every change of any level (a publisher with the same version has nothing to send). */
  get version(): number {
    return this.mutations;
  }

  bestBid(): number | undefined {
    return this.bidPrices.length > 0 ? this.bidPrices[0] : undefined;
  }

  bestAsk(): number | undefined {
    return this.askPrices.length > 0 ? this.askPrices[0] : undefined;
  }

  levelCount(side: BookSide): number {
    return side === 'bid' ? this.bidPrices.length : this.askPrices.length;
  }

  /** Price of the index-th level from the best (0 = best); undefined past the end. */
  priceAt(side: BookSide, index: number): number | undefined {
    return (side === 'bid' ? this.bidPrices : this.askPrices)[index];
  }

  sizeAt(side: BookSide, index: number): number {
    return (side === 'bid' ? this.bidSizes : this.askSizes)[index] ?? 0;
  }

  sizeAtPrice(side: BookSide, priceTicks: number): number {
    const prices = side === 'bid' ? this.bidPrices : this.askPrices;
    const i = lowerBound(prices, priceTicks, side === 'bid');
    return i < prices.length && prices[i] === priceTicks ? (side === 'bid' ? this.bidSizes : this.askSizes)[i] : 0;
  }

  /** Sets a level's size (Bybit delta semantics): 0 deletes it, a new price is inserted, an existing one replaced. */
  setLevel(side: BookSide, priceTicks: number, sizeLots: number): void {
    if (!Number.isSafeInteger(priceTicks) || !Number.isSafeInteger(sizeLots) || sizeLots < 0) {
      throw new SimBookError(`invalid level ${side} ${priceTicks} x ${sizeLots}`);
    }
    const bid = side === 'bid';
    const prices = bid ? this.bidPrices : this.askPrices;
    const sizes = bid ? this.bidSizes : this.askSizes;
    const i = lowerBound(prices, priceTicks, bid);
    const exists = i < prices.length && prices[i] === priceTicks;
    if (sizeLots === 0) {
      if (!exists) return;
      prices.splice(i, 1);
      sizes.splice(i, 1);
    } else if (exists) {
      if (sizes[i] === sizeLots) return;
      sizes[i] = sizeLots;
    } else {
      prices.splice(i, 0, priceTicks);
      sizes.splice(i, 0, sizeLots);
    }
    this.mutations++;
  }

  /** Adds (or with a negative delta removes, floored at 0) lots at a price; returns the new size. */
  addToLevel(side: BookSide, priceTicks: number, deltaLots: number): number {
    const next = Math.max(0, this.sizeAtPrice(side, priceTicks) + deltaLots);
    this.setLevel(side, priceTicks, next);
    return next;
  }

  clear(): void {
    if (this.bidPrices.length === 0 && this.askPrices.length === 0) return;
    this.bidPrices.length = 0;
    this.bidSizes.length = 0;
    this.askPrices.length = 0;
    this.askSizes.length = 0;
    this.mutations++;
  }

  /** Drops the worst levels beyond `maxLevels` on a side. */
  trim(side: BookSide, maxLevels: number): void {
    const prices = side === 'bid' ? this.bidPrices : this.askPrices;
    if (prices.length <= maxLevels) return;
    prices.length = maxLevels;
    (side === 'bid' ? this.bidSizes : this.askSizes).length = maxLevels;
    this.mutations++;
  }

  /** Sum of the sizes of the best `levels` levels. */
  depth(side: BookSide, levels: number): number {
    const sizes = side === 'bid' ? this.bidSizes : this.askSizes;
    const n = Math.min(levels, sizes.length);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sizes[i];
    return sum;
  }

  /** Bid share of the volume over the top `levels` levels of each side: D_bid / (D_bid + D_ask); 0.5 when empty. */
  imbalance(levels: number): number {
    const bid = this.depth('bid', levels);
    const ask = this.depth('ask', levels);
    return bid + ask === 0 ? 0.5 : bid / (bid + ask);
  }

  isCrossed(): boolean {
    const bid = this.bestBid();
    const ask = this.bestAsk();
    return bid !== undefined && ask !== undefined && bid >= ask;
  }

  /**
   * Copies the best `levels` levels of a side into the given arrays (cleared first), best first. Used by
   * publishers to remember what they sent without allocating.
   */
  copyTop(side: BookSide, levels: number, pricesOut: number[], sizesOut: number[]): void {
    const prices = side === 'bid' ? this.bidPrices : this.askPrices;
    const sizes = side === 'bid' ? this.bidSizes : this.askSizes;
    const n = Math.min(levels, prices.length);
    pricesOut.length = n;
    sizesOut.length = n;
    for (let i = 0; i < n; i++) {
      pricesOut[i] = prices[i];
      sizesOut[i] = sizes[i];
    }
  }

  /** The best `levels` levels as plain objects (tests, REST views; not for the hot path). */
  top(side: BookSide, levels: number): BookLevel[] {
    const prices = side === 'bid' ? this.bidPrices : this.askPrices;
    const sizes = side === 'bid' ? this.bidSizes : this.askSizes;
    const n = Math.min(levels, prices.length);
    const out: BookLevel[] = new Array<BookLevel>(n);
    for (let i = 0; i < n; i++) out[i] = { priceTicks: prices[i], sizeLots: sizes[i] };
    return out;
  }

  /**
   * A Buy walks the asks upwards, a Sell the bids downwards. The iterator remembers the last price it yielded,
   * not an index, so a consumer may `consume` levels while iterating.
   */
  levelsFor(takerSide: Side): Iterable<BookLevel> {
    return new LevelWalk(this, takerSide === 'Buy' ? 'ask' : 'bid');
  }

  /** Removes up to `lots` from the level a `takerSide` taker hits at `priceTicks`; returns the lots removed. */
  consume(takerSide: Side, priceTicks: number, lots: number): number {
    const side: BookSide = takerSide === 'Buy' ? 'ask' : 'bid';
    const size = this.sizeAtPrice(side, priceTicks);
    const taken = Math.min(size, Math.max(0, lots));
    if (taken > 0) this.setLevel(side, priceTicks, size - taken);
    return taken;
  }

  /** Index of the first level that is at `priceTicks` or worse (the insertion point for that price). */
  indexOf(side: BookSide, priceTicks: number): number {
    return lowerBound(side === 'bid' ? this.bidPrices : this.askPrices, priceTicks, side === 'bid');
  }
}

/** First index whose price is at `price` or worse: prices[i] <= price for descending bids, >= for ascending asks. */
function lowerBound(prices: readonly number[], price: number, descending: boolean): number {
  let lo = 0;
  let hi = prices.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const better = descending ? prices[mid] > price : prices[mid] < price;
    if (better) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class LevelWalk implements Iterable<BookLevel>, Iterator<BookLevel> {
  private last: number | undefined;

  constructor(
    private readonly book: SimBook,
    private readonly side: BookSide,
  ) {}

  [Symbol.iterator](): Iterator<BookLevel> {
    return new LevelWalk(this.book, this.side);
  }

  next(): IteratorResult<BookLevel> {
    const bid = this.side === 'bid';
    const index = this.last === undefined ? 0 : this.book.indexOf(this.side, bid ? this.last - 1 : this.last + 1);
    const price = this.book.priceAt(this.side, index);
    if (price === undefined) return { done: true, value: undefined };
    this.last = price;
    return { done: false, value: { priceTicks: price, sizeLots: this.book.sizeAt(this.side, index) } };
  }
}
