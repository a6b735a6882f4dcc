import { ImbalanceStrategy } from './imbalance.strategy';
import { Signal } from './signal';
import { SignalLog } from './signal-log';
import { T0, aBook, inputOf } from '../../../test/support/strategy-books';

const signalAt = (symbol: string, u: number): Signal => {
  const sut = new ImbalanceStrategy({
    buyThreshold: 0.75,
    sellThreshold: 0.25,
    minClusterVolume: 10000,
    cooldownMs: 0,
    maxBookAgeMs: 5000,
  });
  return sut.evaluate(
    inputOf(
      aBook(
        [
          [1000, 60],
          [999, 120],
        ],
        [
          [1001, 40],
          [1002, 20],
        ],
        { symbol, u, atMs: T0 },
      ),
      T0,
    ),
  )!;
};

describe(SignalLog.name, () => {
  it('should return the newest signals first, filtered by symbol and capped by limit', () => {
    const log = new SignalLog(10, 10);
    log.add(signalAt('BTCUSDT', 1));
    log.add(signalAt('ETHUSDT', 2));
    log.add(signalAt('BTCUSDT', 3));

    expect(log.recent({ symbol: 'BTCUSDT' }).map((s) => s.context.bookU)).toEqual([3, 1]);
    expect(log.recent({ limit: 2 }).map((s) => s.context.bookU)).toEqual([3, 2]);
    expect(log.recent({ symbol: 'SOLUSDT' })).toEqual([]);
    expect(log.recent({ limit: 0 })).toEqual([]);
  });

  it('should keep only the newest capacity signals per symbol when more arrive', () => {
    const log = new SignalLog(2, 3);
    for (let u = 1; u <= 5; u++) log.add(signalAt('BTCUSDT', u));
    log.add(signalAt('ETHUSDT', 9));

    expect(log.recent({ symbol: 'BTCUSDT' }).map((s) => s.context.bookU)).toEqual([5, 4]);
    expect(log.recent({ symbol: 'ETHUSDT' }).map((s) => s.context.bookU)).toEqual([9]);
    expect(log.recent({ limit: 10 }).map((s) => s.context.bookU)).toEqual([9, 5, 4]);
    expect(log.size('BTCUSDT')).toBe(2);
    expect(log.size()).toBe(3);
  });

  it('should refuse a capacity when it is not a positive integer', () => {
    expect(() => new SignalLog(0)).toThrow(RangeError);
    expect(() => new SignalLog(10, 1.5)).toThrow(RangeError);
  });
});
