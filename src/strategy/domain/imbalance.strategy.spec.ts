import fc from 'fast-check';
import { FixedClock } from '../../common/clock';
import { BookMetricsCache, computeBookMetrics } from '../../order-book/domain/book-metrics';
import { OrderBook } from '../../order-book/domain/order-book';
import { BookDelta } from '../../order-book/domain/order-book.parse';
import {
  ImbalanceStrategy,
  ImbalanceStrategyParams,
  compareShare,
  decimalRatio,
  lotImbalance,
} from './imbalance.strategy';
import { SIGNAL_ID_PATTERN } from './signal';
import { StrategyError } from './strategy';
import { Level, T0, aBook, inputOf } from '../../../test/support/strategy-books';

const PARAMS: ImbalanceStrategyParams = {
  buyThreshold: 0.75,
  sellThreshold: 0.25,
  minClusterVolume: 10000,
  cooldownMs: 1000,
  maxBookAgeMs: 5000,
};

const strategy = (over: Partial<ImbalanceStrategyParams> = {}) => new ImbalanceStrategy({ ...PARAMS, ...over });

/** Bids 180 lots vs asks 60 over the top 5: exactly 0.75; 99.9 × 120 = 11988 ≥ 10000 is the bid cluster. */
const BUY_AT_075: [Level[], Level[]] = [
  [
    [1000, 60],
    [999, 120],
  ],
  [
    [1001, 40],
    [1002, 20],
  ],
];
/** Bids 60 vs asks 180: exactly 0.25; 100.2 × 120 = 12024 is the ask cluster. */
const SELL_AT_025: [Level[], Level[]] = [
  [
    [1000, 20],
    [999, 40],
  ],
  [
    [1001, 60],
    [1002, 120],
  ],
];

describe(ImbalanceStrategy.name, () => {
  describe('thresholds', () => {
    it('should buy when the top-5 imbalance is exactly 0.75 and a bid cluster supports the price', () => {
      const book = aBook(...BUY_AT_075);

      const signal = strategy().evaluate(inputOf(book));

      expect(signal).not.toBeNull();
      expect(signal!.side).toBe('Buy');
      expect(signal!.strength).toBe(0);
      expect(signal!.price).toBe('100.0'); // the best bid
      expect(signal!.context.metrics.imbalance5).toBe(0.75);
      expect(signal!.context.metrics.clusterPrice).toBe(99.9);
      expect(signal!.context.metrics.clusterNotional).toBe(11988);
      expect(signal!.reason).toBe(
        'imbalance5 0.7500 ≥ buy threshold 0.75 (bid 180 / ask 60 over top 5 levels); bid cluster at 99.9 notional 11988 ≥ 10000; best bid 100.0, strength 0.000',
      );
    });

    it('should not buy when the imbalance is 0.74999975, a hair under 0.75', () => {
      // 2999999 / 4000000; the bid cluster is there (notional in the hundreds of millions).
      const book = aBook([[1000, 2999999]], [[1001, 1000001]]);

      expect(lotImbalance(book, 5)).toBeLessThan(0.75);
      expect(strategy().evaluate(inputOf(book))).toBeNull();
    });

    it('should buy when the imbalance is 3000000 / 4000000, i.e. 0.75 with deep books', () => {
      const book = aBook([[1000, 3000000]], [[1001, 1000000]]);

      expect(strategy().evaluate(inputOf(book))?.side).toBe('Buy');
    });

    it('should sell when the imbalance is exactly 0.25 and an ask cluster caps the price', () => {
      const book = aBook(...SELL_AT_025);

      const signal = strategy().evaluate(inputOf(book));

      expect(signal?.side).toBe('Sell');
      expect(signal!.strength).toBe(0);
      expect(signal!.price).toBe('100.1'); // the best ask
      expect(signal!.context.metrics.clusterPrice).toBe(100.2);
      expect(signal!.reason).toContain('imbalance5 0.2500 ≤ sell threshold 0.25');
    });

    it('should not sell when the imbalance is 0.25000025, a hair over 0.25', () => {
      const book = aBook([[1000, 1000001]], [[1001, 2999999]]);

      expect(strategy().evaluate(inputOf(book))).toBeNull();
    });

    it('should compare exactly when the threshold is a non-dyadic decimal such as 0.7', () => {
      const at = aBook([[1000, 700]], [[1001, 300]]);
      const under = aBook([[1000, 6999999]], [[1001, 3000001]]);

      expect(strategy({ buyThreshold: 0.7, minClusterVolume: 0 }).evaluate(inputOf(at, T0, 0))?.side).toBe('Buy');
      expect(strategy({ buyThreshold: 0.7, minClusterVolume: 0 }).evaluate(inputOf(under, T0, 0))).toBeNull();
    });

    it('should give no signal when the imbalance is between the thresholds', () => {
      const book = aBook(
        [
          [1000, 500],
          [999, 500],
        ],
        [
          [1001, 500],
          [1002, 500],
        ],
      );

      expect(strategy().evaluate(inputOf(book))).toBeNull();
    });

    it('should use only the top 5 levels by default and all levels when imbalanceDepth is all', () => {
      // Top 5: bids 5 × 60 = 300 vs asks 5 × 20 = 100 → 0.75; deep asks make 'all' 300 / 1100.
      const bids: Level[] = [0, 1, 2, 3, 4].map((i) => [1000 - i, i === 1 ? 200 : 60] as const);
      const asks: Level[] = [...[0, 1, 2, 3, 4].map((i) => [1001 + i, 20] as const), [1010, 1000] as const];
      const book = aBook(bids, asks);

      expect(strategy().evaluate(inputOf(book))?.side).toBe('Buy');
      expect(strategy({ imbalanceDepth: 'all' }).evaluate(inputOf(book))).toBeNull();
    });
  });

  describe('clusters', () => {
    it('should not buy when no bid cluster reaches MIN_CLUSTER_VOLUME', () => {
      // 99.9 × 120 = 11988 < 12000.
      const book = aBook(...BUY_AT_075);

      expect(strategy({ minClusterVolume: 12000 }).evaluate(inputOf(book, T0, 12000))).toBeNull();
    });

    it('should not sell when no ask cluster reaches MIN_CLUSTER_VOLUME', () => {
      const book = aBook(...SELL_AT_025);

      expect(strategy({ minClusterVolume: 13000 }).evaluate(inputOf(book, T0, 13000))).toBeNull();
    });

    it('should ignore clusters the metrics found with a lower minimum when they are below the strategy minimum', () => {
      const book = aBook(...BUY_AT_075);

      expect(strategy({ minClusterVolume: 12000 }).evaluate(inputOf(book, T0, 1000))).toBeNull();
    });

    it('should count a cluster whose notional is exactly MIN_CLUSTER_VOLUME', () => {
      const book = aBook(...BUY_AT_075);

      expect(
        strategy({ minClusterVolume: 11988 }).evaluate(inputOf(book, T0, 11988))?.context.metrics.clusterNotional,
      ).toBe(11988);
    });

    it('should signal without a cluster when requireCluster is false', () => {
      const book = aBook(...BUY_AT_075);

      const signal = strategy({ minClusterVolume: 1e9, requireCluster: false }).evaluate(inputOf(book, T0, 1e9));

      expect(signal?.side).toBe('Buy');
      expect(signal!.context.metrics.clusterPrice).toBeNull();
      expect(signal!.reason).toContain('no cluster required');
    });

    it('should not buy when the only bid cluster is farther than maxClusterDistanceTicks from the best bid', () => {
      const book = aBook(...BUY_AT_075); // cluster at 999, best bid 1000: one tick away

      expect(strategy({ maxClusterDistanceTicks: 0 }).evaluate(inputOf(book))).toBeNull();
      expect(strategy({ maxClusterDistanceTicks: 1 }).evaluate(inputOf(book))?.side).toBe('Buy');
    });
  });

  describe('book health', () => {
    it('should give no signal when the book is older than maxBookAgeMs', () => {
      const book = aBook(...BUY_AT_075, { atMs: T0 });

      expect(strategy().evaluate(inputOf(book, T0 + 5000))).not.toBeNull();
      expect(strategy().evaluate(inputOf(book, T0 + 5001))).toBeNull();
    });

    it('should give no signal when the book is crossed', () => {
      const book = aBook(
        [
          [1001, 180],
          [999, 120],
        ],
        [
          [1001, 40],
          [1002, 20],
        ],
      );

      expect(book.crossed).toBe(true);
      expect(strategy().evaluate(inputOf(book))).toBeNull();
    });

    it('should give no signal when the book awaits a resync', () => {
      const book = aBook(...BUY_AT_075);
      book.requestResync();

      expect(strategy().evaluate(inputOf(book))).toBeNull();
    });

    it('should give no signal when a sequence gap dropped the book', () => {
      const book = aBook(...BUY_AT_075, { u: 100 });
      expect(book.apply(BookDelta.of('delta', 102, [[1000, 61]], [], T0), T0)).toBe('gap');

      expect(strategy().evaluate(inputOf(book))).toBeNull();
    });

    it('should give no signal when the book never received a snapshot', () => {
      const book = new OrderBook('BTCUSDT', { tickSize: '0.1', qtyStep: '1' });

      expect(
        strategy().evaluate({
          symbol: 'BTCUSDT',
          book,
          metrics: computeBookMetrics(book, { minClusterVolume: 10000 }),
          nowMs: T0,
        }),
      ).toBeNull();
    });
  });

  describe('cooldown', () => {
    /** Applies a contiguous delta that keeps the book at a Buy (bumps the top bid) at the clock's time. */
    const bump = (book: OrderBook, clock: FixedClock, size: number) =>
      expect(
        book.apply(BookDelta.of('delta', book.u + 1, [[1000, size]], [], clock.nowMs(), book.seq + 7), clock.nowMs()),
      ).toBe('applied');

    it('should suppress a same-side signal within cooldownMs and release it at exactly cooldownMs', () => {
      const clock = new FixedClock(T0);
      const book = aBook(...BUY_AT_075, { atMs: T0 });
      const sut = strategy({ cooldownMs: 1000 });

      const first = sut.evaluate(inputOf(book, clock.nowMs()));
      clock.advance(500);
      bump(book, clock, 61);
      const suppressed = sut.evaluate(inputOf(book, clock.nowMs()));
      clock.advance(499);
      const stillSuppressed = sut.evaluate(inputOf(book, clock.nowMs()));
      clock.advance(1);
      const released = sut.evaluate(inputOf(book, clock.nowMs()));

      expect(first?.side).toBe('Buy');
      expect(suppressed).toBeNull();
      expect(stillSuppressed).toBeNull();
      expect(released?.side).toBe('Buy');
      expect(released!.atMs).toBe(T0 + 1000);
      expect(released!.id).not.toBe(first!.id);
    });

    it('should keep cooldowns per symbol when two symbols fire at once', () => {
      const sut = strategy();
      const btc = aBook(...BUY_AT_075, { symbol: 'BTCUSDT' });
      const eth = aBook(...BUY_AT_075, { symbol: 'ETHUSDT' });

      expect(sut.evaluate(inputOf(btc))?.symbol).toBe('BTCUSDT');
      expect(sut.evaluate(inputOf(eth))?.symbol).toBe('ETHUSDT');
    });

    it('should allow an opposite-side signal within the cooldown but not reset the first side', () => {
      const clock = new FixedClock(T0);
      const sut = strategy({ cooldownMs: 1000 });
      const book = aBook(...BUY_AT_075, { atMs: T0, u: 10 });

      const buy = sut.evaluate(inputOf(book, clock.nowMs()));
      clock.advance(100);
      book.apply(BookDelta.of('snapshot', 11, ...SELL_AT_025, clock.nowMs(), 200), clock.nowMs());
      const sell = sut.evaluate(inputOf(book, clock.nowMs()));
      clock.advance(100);
      book.apply(BookDelta.of('snapshot', 12, ...BUY_AT_075, clock.nowMs(), 300), clock.nowMs());
      const buyAgain = sut.evaluate(inputOf(book, clock.nowMs()));

      expect(buy?.side).toBe('Buy');
      expect(sell?.side).toBe('Sell');
      expect(buyAgain).toBeNull();
    });

    it('should never fire twice on the same book state even after the cooldown', () => {
      const sut = strategy({ cooldownMs: 10 });
      const book = aBook(...BUY_AT_075, { atMs: T0 });

      expect(sut.evaluate(inputOf(book, T0))).not.toBeNull();
      expect(sut.evaluate(inputOf(book, T0 + 100))).toBeNull();
    });

    it('should fire again on the same book state when the symbol was reset', () => {
      const sut = strategy();
      const book = aBook(...BUY_AT_075);
      const first = sut.evaluate(inputOf(book));

      sut.reset('BTCUSDT');

      expect(sut.evaluate(inputOf(book))?.id).toBe(first!.id);
    });
  });

  describe('signal value', () => {
    it('should give the same id when two instances see the same market state, and a different one when u differs', () => {
      const a = strategy().evaluate(inputOf(aBook(...BUY_AT_075, { u: 5, seq: 50 })));
      const b = strategy().evaluate(inputOf(aBook(...BUY_AT_075, { u: 5, seq: 50 }), T0 + 3000));
      const c = strategy().evaluate(inputOf(aBook(...BUY_AT_075, { u: 6, seq: 50 })));

      expect(a!.id).toBe(b!.id);
      expect(a!.id).not.toBe(c!.id);
      expect(a!.id).toMatch(SIGNAL_ID_PATTERN);
      expect(a!.id.length).toBeLessThanOrEqual(36);
      expect(a!.context.bookU).toBe(5);
      expect(a!.context.bookSeq).toBe(50);
    });

    it('should be deeply frozen and copy the features when the caller passes them', () => {
      const features = new Float64Array([1.5, -2]);
      const signal = strategy().evaluate(
        inputOf(aBook(...BUY_AT_075), T0, 10000, {
          features: { vector: () => features },
          featureNames: ['rsi14', 'obv'],
        }),
      );
      features[0] = 99;

      expect(signal!.context.features?.toRecord()).toEqual({ rsi14: 1.5, obv: -2 });
      expect(signal!.context.features?.get('obv')).toBe(-2);
      expect(JSON.parse(JSON.stringify(signal!.context.features))).toEqual({ rsi14: 1.5, obv: -2 });
      expect(Object.isFrozen(signal)).toBe(true);
      expect(Object.isFrozen(signal!.context)).toBe(true);
      expect(Object.isFrozen(signal!.context.metrics)).toBe(true);
      expect(Object.isFrozen(signal!.context.features)).toBe(true);
    });

    it('should read the feature vector only for a signal it emits', () => {
      let reads = 0;
      const features = {
        vector: () => {
          reads++;
          return new Float64Array([1.5]);
        },
      };
      const sut = strategy();

      expect(
        sut.evaluate(
          inputOf(aBook([[1000, 2999999]], [[1001, 1000001]]), T0, 10000, { features, featureNames: ['x'] }),
        ),
      ).toBeNull();
      expect(reads).toBe(0);
      expect(sut.evaluate(inputOf(aBook(...BUY_AT_075), T0, 10000, { features, featureNames: ['x'] }))).not.toBeNull();
      expect(reads).toBe(1);
    });

    it('should omit features when none are passed and serialise absent prices as null', () => {
      const signal = strategy().evaluate(inputOf(aBook(...BUY_AT_075)));

      expect(signal!.context.features).toBeUndefined();
      expect(signal!.context.metrics.resistancePrice).toBeNull(); // no ask level reaches 10000 (100.1 × 40, 100.2 × 20)
      expect(signal!.context.metrics.resistanceNotional).toBe(0);
    });

    it('should scale strength from 0 at the threshold to 1 at a one-sided top of book', () => {
      const mid = strategy().evaluate(
        inputOf(
          aBook(
            [
              [1000, 875],
              [999, 100],
            ],
            [[1001, 125]],
          ),
        ),
      );
      const full = strategy({ imbalanceDepth: 5 }).evaluate(
        inputOf(
          aBook(
            [
              [1000, 200],
              [999, 200],
              [998, 200],
              [997, 200],
              [996, 200],
            ],
            [[1010, 1]],
          ),
          T0,
          10000,
        ),
      );

      expect(mid!.strength).toBeCloseTo((975 / 1100 - 0.75) / 0.25, 12);
      expect(full!.strength).toBeGreaterThan(0.99);
      expect(full!.strength).toBeLessThanOrEqual(1);
    });
  });

  describe('parameters', () => {
    it.each<[string, Partial<ImbalanceStrategyParams>]>([
      ['sellThreshold', { sellThreshold: 0.8 }],
      ['sellThreshold', { sellThreshold: 0.75 }],
      ['buyThreshold', { buyThreshold: 1.1 }],
      ['sellThreshold', { sellThreshold: -0.1 }],
      ['buyThreshold', { buyThreshold: 0.1234567891 }],
      ['minClusterVolume', { minClusterVolume: -1 }],
      ['cooldownMs', { cooldownMs: Number.NaN }],
      ['maxBookAgeMs', { maxBookAgeMs: 0 }],
      ['imbalanceDepth', { imbalanceDepth: 7 as never }],
      ['name', { name: 'with-dash' }],
    ])('should refuse the params when %s is invalid (%j)', (field, over) => {
      expect(() => strategy(over)).toThrow(StrategyError);
      expect(() => strategy(over)).toThrow(new RegExp(`^${field}:`));
    });

    it('should default to top-5 imbalance, a required cluster and the name imbalance', () => {
      expect(strategy().params).toMatchObject({ imbalanceDepth: 5, requireCluster: true, name: 'imbalance' });
      expect(strategy().metricsOptions).toEqual({ minClusterVolume: 10000 });
    });
  });

  describe('properties', () => {
    const level = fc.integer({ min: 1, max: 5000 });
    const sides = fc.record({
      bids: fc.array(level, { minLength: 1, maxLength: 12 }),
      asks: fc.array(level, { minLength: 1, maxLength: 12 }),
    });
    const thresholds = fc.record({ buy: fc.integer({ min: 51, max: 100 }), sell: fc.integer({ min: 0, max: 49 }) });
    const depth = fc.constantFrom(5 as const, 10 as const, 'all' as const);

    it('should never buy under the buy threshold nor sell over the sell threshold, and always signal past them, when books are random', () => {
      fc.assert(
        fc.property(sides, thresholds, depth, fc.boolean(), ({ bids, asks }, t, imbalanceDepth, requireCluster) => {
          const book = aBook(
            bids.map((s, i) => [1000 - i, s] as const),
            asks.map((s, i) => [1001 + i, s] as const),
          );
          const buyThreshold = t.buy / 100;
          const sellThreshold = t.sell / 100;
          const input = inputOf(book, T0, 10000);
          const sut = strategy({ buyThreshold, sellThreshold, imbalanceDepth, requireCluster });
          const signal = sut.evaluate(input);
          const m = input.metrics;
          const imb = imbalanceDepth === 5 ? m.imbalance5 : imbalanceDepth === 10 ? m.imbalance10 : m.imbalanceAll;

          if (signal?.side === 'Buy') {
            expect(imb).toBeGreaterThanOrEqual(buyThreshold);
            if (requireCluster) expect(m.bidClusters.count).toBeGreaterThan(0);
          }
          if (signal?.side === 'Sell') {
            expect(imb).toBeLessThanOrEqual(sellThreshold);
            if (requireCluster) expect(m.askClusters.count).toBeGreaterThan(0);
          }
          if (signal) expect(signal.strength).toBeGreaterThanOrEqual(0);
          if (signal) expect(signal.strength).toBeLessThanOrEqual(1);

          // Exact expectation from integer lots: bid·100 vs threshold·100·total.
          const n = imbalanceDepth === 'all' ? Infinity : imbalanceDepth;
          const bid = bids.slice(0, n).reduce((a, b) => a + b, 0);
          const total = bid + asks.slice(0, n).reduce((a, b) => a + b, 0);
          const wantBuy = bid * 100 >= t.buy * total && (!requireCluster || m.bidClusters.count > 0);
          const wantSell = bid * 100 <= t.sell * total && (!requireCluster || m.askClusters.count > 0);
          expect(signal?.side ?? null).toBe(wantBuy ? 'Buy' : wantSell ? 'Sell' : null);
        }),
        { numRuns: 1000 },
      );
    });

    it('should give the same signal from the touch part and its cache as from complete metrics, when books, depths and minimums are random', () => {
      const minimums = fc.record({
        metrics: fc.integer({ min: 0, max: 30_000 }),
        extra: fc.integer({ min: 0, max: 30_000 }),
      });
      fc.assert(
        fc.property(
          sides,
          depth,
          minimums,
          fc.integer({ min: 0, max: 15 }),
          ({ bids, asks }, imbalanceDepth, min, distance) => {
            const book = aBook(
              bids.map((s, i) => [1000 - 2 * i, s * 10] as const),
              asks.map((s, i) => [1001 + 2 * i, s * 10] as const),
            );
            // The metrics' minimum is at most the strategy's (StrategyInput's contract); the strategy's may be higher.
            const params = {
              imbalanceDepth,
              minClusterVolume: min.metrics + min.extra,
              maxClusterDistanceTicks: distance,
            };
            const expected = strategy(params).evaluate(inputOf(book, T0, min.metrics));
            const cache = new BookMetricsCache({ minClusterVolume: min.metrics });
            const metrics = cache.touch(book);
            expect(metrics.complete).toBe(false);

            const actual = strategy(params).evaluate({
              symbol: book.symbol,
              book,
              metrics,
              metricsSource: cache,
              nowMs: T0,
            });

            expect(actual).toEqual(expected);
          },
        ),
        { numRuns: 1000 },
      );
    });
  });
});

describe(decimalRatio.name, () => {
  it('should recover the decimal a threshold was written as when it has at most 9 fraction digits', () => {
    expect(decimalRatio(0.75)).toEqual({ num: 75, den: 100 });
    expect(decimalRatio(0.7)).toEqual({ num: 7, den: 10 });
    expect(decimalRatio(1)).toEqual({ num: 1, den: 1 });
    expect(decimalRatio(0.123456789)).toEqual({ num: 123456789, den: 1e9 });
    expect(decimalRatio(0.1234567891)).toBeNull();
    expect(decimalRatio(Number.NaN)).toBeNull();
  });
});

describe(compareShare.name, () => {
  it('should compare exactly through BigInt when the products pass 2^53', () => {
    const total = 4_000_000_000_000_000; // 4e15 lots × den 100 > 2^53
    expect(compareShare(3_000_000_000_000_000, total, { num: 75, den: 100 })).toBe(0);
    expect(compareShare(2_999_999_999_999_999, total, { num: 75, den: 100 })).toBe(-1);
    expect(compareShare(3_000_000_000_000_001, total, { num: 75, den: 100 })).toBe(1);
  });
});
