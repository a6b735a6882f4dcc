/**
 * The seam between the simulated market (market model or replayed recording) and the matching engine.
 * Prices are integer ticks and sizes integer lots of the instrument (common/ticks.ts).
 */
export type Side = 'Buy' | 'Sell';

export interface BookLevel {
  readonly priceTicks: number;
  readonly sizeLots: number;
}

export interface LiquiditySource {
  /** Best bid / best ask in ticks, or undefined when that side is empty. */
  bestBid(): number | undefined;
  bestAsk(): number | undefined;
  /**
   * The levels a taker on `takerSide` trades against, best first: a Buy walks the asks upwards, a Sell walks the
   * bids downwards. Iterating must not allocate per level beyond the yielded objects.
   */
  levelsFor(takerSide: Side): Iterable<BookLevel>;
  /** Removes liquidity a simulated fill took (market impact), so the published book shows it. */
  consume(takerSide: Side, priceTicks: number, lots: number): void;
}
