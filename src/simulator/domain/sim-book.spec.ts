import fc from 'fast-check';
import type { BookLevel } from './liquidity';
import { SimBook, SimBookError, type BookSide } from './sim-book';

function naiveTop(map: Map<number, number>, side: BookSide): BookLevel[] {
  return [...map.entries()]
    .filter(([, size]) => size > 0)
    .sort((x, y) => (side === 'bid' ? y[0] - x[0] : x[0] - y[0]))
    .map(([priceTicks, sizeLots]) => ({ priceTicks, sizeLots }));
}

describe(SimBook.name, () => {
  it('should keep bids descending and asks ascending when levels are set in any order', () => {
    const sut = new SimBook();
    for (const p of [100, 98, 99, 97]) sut.setLevel('bid', p, p);
    for (const p of [103, 101, 102]) sut.setLevel('ask', p, p);
    expect(sut.top('bid', 10).map((l) => l.priceTicks)).toEqual([100, 99, 98, 97]);
    expect(sut.top('ask', 2).map((l) => l.priceTicks)).toEqual([101, 102]);
    expect(sut.bestBid()).toBe(100);
    expect(sut.bestAsk()).toBe(101);
  });

  it('should replace a size and delete on zero when applying Bybit delta semantics', () => {
    const sut = new SimBook();
    sut.setLevel('bid', 100, 5);
    sut.setLevel('bid', 100, 7);
    expect(sut.sizeAtPrice('bid', 100)).toBe(7);
    const version = sut.version;
    sut.setLevel('bid', 100, 7); // unchanged: not a mutation
    expect(sut.version).toBe(version);
    sut.setLevel('bid', 100, 0);
    sut.setLevel('bid', 55, 0); // deleting a missing level is harmless
    expect(sut.levelCount('bid')).toBe(0);
    expect(() => sut.setLevel('ask', 1.5, 1)).toThrow(SimBookError);
    expect(() => sut.setLevel('ask', 1, -1)).toThrow(SimBookError);
  });

  it('should match a naive map when any sequence of level updates is applied', () => {
    const op = fc.record({
      side: fc.constantFrom<BookSide>('bid', 'ask'),
      price: fc.integer({ min: 1, max: 60 }),
      size: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const sut = new SimBook();
        const ref = { bid: new Map<number, number>(), ask: new Map<number, number>() };
        for (const { side, price, size } of ops) {
          sut.setLevel(side, price, size);
          ref[side].set(price, size);
        }
        expect(sut.top('bid', 1000)).toEqual(naiveTop(ref.bid, 'bid'));
        expect(sut.top('ask', 1000)).toEqual(naiveTop(ref.ask, 'ask'));
      }),
    );
  });

  it('should shrink the level and delete it when a taker consumes liquidity', () => {
    const sut = new SimBook();
    sut.setLevel('ask', 101, 10);
    sut.setLevel('ask', 102, 4);
    expect(sut.consume('Buy', 101, 3)).toBe(3);
    expect(sut.sizeAtPrice('ask', 101)).toBe(7);
    expect(sut.consume('Buy', 101, 50)).toBe(7);
    expect(sut.bestAsk()).toBe(102);
    expect(sut.consume('Sell', 90, 1)).toBe(0);
  });

  it('should walk levels best first and tolerate consumption when iterating for a taker', () => {
    const sut = new SimBook();
    for (const [p, s] of [
      [101, 2],
      [102, 3],
      [104, 1],
    ])
      sut.setLevel('ask', p, s);
    for (const [p, s] of [
      [100, 1],
      [99, 2],
    ])
      sut.setLevel('bid', p, s);
    const seen: BookLevel[] = [];
    for (const level of sut.levelsFor('Buy')) {
      seen.push(level);
      sut.consume('Buy', level.priceTicks, level.sizeLots); // a matching engine filling as it walks
    }
    expect(seen).toEqual([
      { priceTicks: 101, sizeLots: 2 },
      { priceTicks: 102, sizeLots: 3 },
      { priceTicks: 104, sizeLots: 1 },
    ]);
    expect(sut.levelCount('ask')).toBe(0);
    expect([...sut.levelsFor('Sell')].map((l) => l.priceTicks)).toEqual([100, 99]);
  });

  it('should compute the top-N bid share and crossing when asked for imbalance', () => {
    const sut = new SimBook();
    sut.setLevel('bid', 100, 30);
    sut.setLevel('ask', 101, 10);
    expect(sut.imbalance(5)).toBe(0.75);
    expect(sut.isCrossed()).toBe(false);
    sut.setLevel('bid', 101, 1);
    expect(sut.isCrossed()).toBe(true);
    sut.trim('bid', 1);
    expect(sut.top('bid', 5)).toEqual([{ priceTicks: 101, sizeLots: 1 }]);
    expect(new SimBook().imbalance(5)).toBe(0.5);
  });
});
