import { FeedFaults } from './feed-faults';

/** A scripted fault stream: the listed draws, then never a fault. */
const draws = (...values: number[]) => {
  let i = 0;
  return () => (i < values.length ? values[i++] : 1);
};

describe(FeedFaults.name, () => {
  it('should lose just the drawn book message when the outage lasts 0 ms', () => {
    const faults = new FeedFaults({ gapRate: 0.1, gapMs: 0 }, draws(0.5, 0.05, 0.5));
    expect(faults.bookReaches('BTCUSDT', 1_000)).toBe(true);
    expect(faults.bookReaches('BTCUSDT', 1_100)).toBe(false);
    expect(faults.tradesReach('BTCUSDT', 1_100)).toBe(true);
    expect(faults.bookReaches('BTCUSDT', 1_100)).toBe(true);
    expect([faults.outages, faults.lostBookMessages, faults.lostTradeMessages]).toEqual([1, 1, 0]);
  });

  it('should lose every book and trade message of that symbol only, until the outage ends', () => {
    const faults = new FeedFaults({ gapRate: 0.1, gapMs: 2_000 }, draws(0.01));
    expect(faults.bookReaches('BTCUSDT', 10_000)).toBe(false);
    expect(faults.tradesReach('BTCUSDT', 10_500)).toBe(false);
    expect(faults.bookReaches('BTCUSDT', 11_999)).toBe(false);
    expect(faults.bookReaches('ETHUSDT', 11_000)).toBe(true);
    expect(faults.tradesReach('ETHUSDT', 11_000)).toBe(true);
    expect(faults.bookReaches('BTCUSDT', 12_000)).toBe(true);
    expect(faults.tradesReach('BTCUSDT', 12_000)).toBe(true);
    expect([faults.outages, faults.lostBookMessages, faults.lostTradeMessages]).toEqual([1, 2, 1]);
  });

  it('should be off at rate 0', () => {
    expect(FeedFaults.enabled({ gapRate: 0, gapMs: 5_000 })).toBe(false);
    expect(FeedFaults.enabled({ gapRate: 0.001, gapMs: 0 })).toBe(true);
  });
});
