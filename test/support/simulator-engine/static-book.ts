/**
 * A small in-memory `LiquiditySource` for specs: levels set by hand, consumed by fills. Not a market model: it
 * never moves on its own, so a spec decides exactly what the engine sees.
 */
import type { BookLevel, LiquiditySource, Side } from '../../../src/simulator/domain/liquidity';

export class StaticBook implements LiquiditySource {
  /** Bids best (highest) first, asks best (lowest) first. */
  private bids: BookLevel[] = [];
  private asks: BookLevel[] = [];

  /** Levels as [priceTicks, sizeLots]; sorted here, zero sizes dropped. */
  static of(bids: Array<[number, number]>, asks: Array<[number, number]>): StaticBook {
    return new StaticBook().set(bids, asks);
  }

  set(bids: Array<[number, number]>, asks: Array<[number, number]>): this {
    this.bids = toLevels(bids).sort((a, b) => b.priceTicks - a.priceTicks);
    this.asks = toLevels(asks).sort((a, b) => a.priceTicks - b.priceTicks);
    return this;
  }

  bestBid(): number | undefined {
    return this.bids[0]?.priceTicks;
  }

  bestAsk(): number | undefined {
    return this.asks[0]?.priceTicks;
  }

  levelsFor(takerSide: Side): Iterable<BookLevel> {
    return takerSide === 'Buy' ? this.asks : this.bids;
  }

  consume(takerSide: Side, priceTicks: number, lots: number): void {
    const side = takerSide === 'Buy' ? this.asks : this.bids;
    const index = side.findIndex((level) => level.priceTicks === priceTicks);
    if (index < 0) throw new Error(`No level at ${priceTicks} to consume`);
    const left = side[index].sizeLots - lots;
    if (left < 0) throw new Error(`Consumed ${lots} lots from a level of ${side[index].sizeLots}`);
    if (left === 0) side.splice(index, 1);
    else side[index] = { priceTicks, sizeLots: left };
  }

  /** Total lots on a side, for assertions. */
  depth(side: 'bids' | 'asks'): number {
    return (side === 'bids' ? this.bids : this.asks).reduce((sum, level) => sum + level.sizeLots, 0);
  }
}

function toLevels(levels: Array<[number, number]>): BookLevel[] {
  return levels.filter(([, size]) => size > 0).map(([priceTicks, sizeLots]) => ({ priceTicks, sizeLots }));
}
