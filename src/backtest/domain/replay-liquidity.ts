import type { OrderBook } from '../../order-book/domain/order-book';
import type { BookDelta } from '../../order-book/domain/order-book.parse';
import type { BookLevel, LiquiditySource, Side } from '../../simulator/domain/liquidity';

/**
 * The replayed book as the simulator's matching engine sees it: the live OrderBook the strategy reads (never
 * modified here) minus what our own fills took from it. A market order walks the visible levels and never beyond
 * them; the lots it takes stay taken for the rest of that level's state: until the recording next updates that
 * price level (its new size is what the market shows then) or a snapshot replaces the book. Prices in ticks, sizes
 * in lots of the book's grid (the same grid as the engine's instrument).
 */
export class ReplayLiquidity implements LiquiditySource {
  /** Lots taken per price, per side of the book. */
  private readonly takenBids = new Map<number, number>();
  private readonly takenAsks = new Map<number, number>();

  /** `impact` false: our fills never deplete a level (the optimistic reading, for comparison). */
  constructor(
    private readonly book: OrderBook,
    private readonly impact = true,
  ) {}

  bestBid(): number | undefined {
    const book = this.book;
    for (let i = 0; i < book.bidCount; i++) {
      const price = book.bidPriceAt(i);
      if (book.bidSizeAt(i) - (this.takenBids.get(price) ?? 0) > 0) return price;
    }
    return undefined;
  }

  bestAsk(): number | undefined {
    const book = this.book;
    for (let i = 0; i < book.askCount; i++) {
      const price = book.askPriceAt(i);
      if (book.askSizeAt(i) - (this.takenAsks.get(price) ?? 0) > 0) return price;
    }
    return undefined;
  }

  /** A Buy walks the asks upwards, a Sell the bids downwards; levels our fills emptied are skipped. */
  *levelsFor(takerSide: Side): Iterable<BookLevel> {
    const book = this.book;
    if (takerSide === 'Buy') {
      for (let i = 0; i < book.askCount; i++) {
        const priceTicks = book.askPriceAt(i);
        const sizeLots = book.askSizeAt(i) - (this.takenAsks.get(priceTicks) ?? 0);
        if (sizeLots > 0) yield { priceTicks, sizeLots };
      }
    } else {
      for (let i = 0; i < book.bidCount; i++) {
        const priceTicks = book.bidPriceAt(i);
        const sizeLots = book.bidSizeAt(i) - (this.takenBids.get(priceTicks) ?? 0);
        if (sizeLots > 0) yield { priceTicks, sizeLots };
      }
    }
  }

  consume(takerSide: Side, priceTicks: number, lots: number): void {
    if (!this.impact) return;
    const taken = takerSide === 'Buy' ? this.takenAsks : this.takenBids;
    taken.set(priceTicks, (taken.get(priceTicks) ?? 0) + lots);
  }

  /** Visible size at `priceTicks` on `side` after our fills, 0 when the level is absent. */
  sizeAt(side: 'bid' | 'ask', priceTicks: number): number {
    const book = this.book;
    if (side === 'bid') {
      for (let i = 0; i < book.bidCount; i++) {
        const price = book.bidPriceAt(i);
        if (price === priceTicks) return Math.max(0, book.bidSizeAt(i) - (this.takenBids.get(price) ?? 0));
        if (price < priceTicks) return 0;
      }
      return 0;
    }
    for (let i = 0; i < book.askCount; i++) {
      const price = book.askPriceAt(i);
      if (price === priceTicks) return Math.max(0, book.askSizeAt(i) - (this.takenAsks.get(price) ?? 0));
      if (price > priceTicks) return 0;
    }
    return 0;
  }

  /** Lots our fills took and the recording has not updated since (for the report's diagnostics). */
  get takenLevels(): number {
    return this.takenBids.size + this.takenAsks.size;
  }

  /** The recording moved the book: levels it updated show their new size again; a snapshot resets everything. */
  onDelta(delta: BookDelta): void {
    if (this.takenBids.size === 0 && this.takenAsks.size === 0) return;
    if (delta.type === 'snapshot' || delta.u === 1) {
      this.takenBids.clear();
      this.takenAsks.clear();
      return;
    }
    if (this.takenBids.size > 0) for (let i = 0; i < delta.bidCount; i++) this.takenBids.delete(delta.bidPrices[i]);
    if (this.takenAsks.size > 0) for (let i = 0; i < delta.askCount; i++) this.takenAsks.delete(delta.askPrices[i]);
  }
}
