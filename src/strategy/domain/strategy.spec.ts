import { Signal, SignalSide, freezeSignal, signalId } from './signal';
import { ImbalanceStrategy } from './imbalance.strategy';
import { Strategy, StrategyInput } from './strategy';
import { T0, aBook, inputOf } from '../../../test/support/strategy-books';

/** A second, toy strategy: leans with the micro-price when the spread is one tick. Proves the interface is enough. */
class MicroPriceToyStrategy implements Strategy {
  readonly name = 'micro';

  evaluate({ symbol, book, metrics, nowMs }: StrategyInput): Signal | null {
    if (!book.canSignal(nowMs, 1000) || metrics.spreadTicks !== 1) return null;
    if (metrics.microPrice === metrics.mid) return null;
    const side: SignalSide = metrics.microPrice > metrics.mid ? 'Buy' : 'Sell';
    const m = {
      imbalance5: metrics.imbalance5,
      imbalance10: metrics.imbalance10,
      imbalanceAll: metrics.imbalanceAll,
      imbalance: metrics.imbalance5,
      bestBid: metrics.bestBid,
      bestAsk: metrics.bestAsk,
      spread: metrics.spreadAbs,
      spreadTicks: metrics.spreadTicks,
      mid: metrics.mid,
      microPrice: metrics.microPrice,
      clusterPrice: null,
      clusterNotional: null,
      supportPrice: null,
      supportNotional: 0,
      resistancePrice: null,
      resistanceNotional: 0,
      largestBidClusterPrice: null,
      largestBidClusterNotional: 0,
      largestAskClusterPrice: null,
      largestAskClusterNotional: 0,
    };
    return freezeSignal({
      id: signalId({ strategy: this.name, symbol, side, u: book.u, seq: book.seq }),
      strategy: this.name,
      symbol,
      side,
      strength: 0.5,
      reason: `micro-price ${metrics.microPrice} vs mid ${metrics.mid}`,
      price: book.priceText(side === 'Buy' ? book.bestBid : book.bestAsk),
      atMs: nowMs,
      context: { metrics: m, bookU: book.u, bookSeq: book.seq },
    });
  }
}

/** What the pipeline does with a symbol's strategies: evaluate each on the shared input, keep the signals. */
const runAll = (strategies: readonly Strategy[], input: StrategyInput): Signal[] =>
  strategies.map((s) => s.evaluate(input)).filter((s): s is Signal => s !== null);

describe('Strategy', () => {
  it('should run a second strategy through the same interface when plugged next to the imbalance one', () => {
    const strategies: Strategy[] = [
      new ImbalanceStrategy({
        buyThreshold: 0.75,
        sellThreshold: 0.25,
        minClusterVolume: 10000,
        cooldownMs: 1000,
        maxBookAgeMs: 5000,
      }),
      new MicroPriceToyStrategy(),
    ];
    const book = aBook(
      [
        [1000, 60],
        [999, 120],
      ],
      [
        [1001, 40],
        [1002, 20],
      ],
    );

    const signals = runAll(strategies, inputOf(book, T0));

    expect(signals.map((s) => [s.strategy, s.side])).toEqual([
      ['imbalance', 'Buy'],
      ['micro', 'Buy'],
    ]);
    expect(new Set(signals.map((s) => s.id)).size).toBe(2); // the strategy name keeps ids apart on one book state
  });

  it('should give no signal from either strategy when the book is stale', () => {
    const book = aBook(
      [
        [1000, 60],
        [999, 120],
      ],
      [
        [1001, 40],
        [1002, 20],
      ],
      { atMs: T0 },
    );
    const strategies: Strategy[] = [
      new ImbalanceStrategy({
        buyThreshold: 0.75,
        sellThreshold: 0.25,
        minClusterVolume: 10000,
        cooldownMs: 0,
        maxBookAgeMs: 500,
      }),
      new MicroPriceToyStrategy(),
    ];

    expect(runAll(strategies, inputOf(book, T0 + 10_000))).toEqual([]);
  });
});
