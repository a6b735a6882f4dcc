import * as fc from 'fast-check';
import { BookSide } from './book-side';

/** The side's levels, deepest first, as [key, size] pairs. */
function contents(side: BookSide): Array<[number, number]> {
  const rows: Array<[number, number]> = [];
  for (let i = side.lo; i < side.lo + side.count; i++) rows.push([side.keys[i], side.sizes[i]]);
  return rows;
}

function reference(levels: Map<number, number>): Array<[number, number]> {
  return [...levels.entries()].sort((a, b) => a[0] - b[0]);
}

describe(BookSide.name, () => {
  it('should hold the same sorted levels as a Map after any sequence of sets, loads and clears', () => {
    const op = fc.oneof(
      { weight: 20, arbitrary: fc.tuple(fc.constant('set' as const), fc.integer({ min: 0, max: 120 }), fc.nat(3)) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('load' as const), fc.integer({ min: 0, max: 120 }), fc.nat(90)) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('clear' as const), fc.constant(0), fc.constant(0)) },
    );
    fc.assert(
      fc.property(fc.nat(70), fc.array(op, { maxLength: 400 }), (capacity, ops) => {
        const side = new BookSide(capacity);
        const naive = new Map<number, number>();
        for (const [kind, key, n] of ops) {
          if (kind === 'set') {
            side.set(key, n);
            if (n === 0) naive.delete(key);
            else naive.set(key, n);
          } else if (kind === 'load') {
            // Best first, strictly descending keys, no zeros: the O(n) copy.
            const count = n;
            const prices = new Float64Array(count);
            const sizes = new Float64Array(count);
            for (let i = 0; i < count; i++) {
              prices[i] = key + count - i;
              sizes[i] = 1 + (i % 3);
            }
            side.load(prices, sizes, count, 1);
            naive.clear();
            for (let i = 0; i < count; i++) naive.set(prices[i], sizes[i]);
          } else {
            side.clear();
            naive.clear();
          }
          expect(contents(side)).toEqual(reference(naive));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('should hold the same levels as applying them one by one when a message is applied at once', () => {
    // Messages of distinct prices, best first (the one-pass path) or in any order (level by level), on either side.
    const message = fc
      .uniqueArray(fc.integer({ min: 1, max: 400 }), { maxLength: 60 })
      .chain((prices) =>
        fc.tuple(
          fc.constant(prices),
          fc.array(fc.nat(2), { minLength: prices.length, maxLength: prices.length }),
          fc.boolean(),
        ),
      );
    fc.assert(
      fc.property(fc.constantFrom<1 | -1>(1, -1), fc.array(message, { maxLength: 40 }), (sign, messages) => {
        const side = new BookSide(8);
        const naive = new Map<number, number>();
        for (const [levels, sizeList, bestFirst] of messages) {
          // Best first: bids descending (sign 1), asks ascending (sign -1).
          const order = bestFirst ? [...levels].sort((x, y) => sign * (y - x)) : levels;
          const prices = Float64Array.from(order);
          const sizes = Float64Array.from(sizeList);
          side.update(prices, sizes, prices.length, sign);
          for (let i = 0; i < prices.length; i++) {
            if (sizes[i] === 0) naive.delete(sign * prices[i]);
            else naive.set(sign * prices[i], sizes[i]);
          }
          expect(contents(side)).toEqual(reference(naive));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('should keep the levels when a depth-limited feed drifts one way for many times its capacity', () => {
    // orderbook.50 in a trend: each step adds a new best level and deletes the deepest one.
    const side = new BookSide(64);
    for (let k = 0; k < 50; k++) side.set(k, 1);
    for (let k = 50; k < 5000; k++) {
      side.set(k, 2);
      side.set(k - 50, 0);
    }
    expect(side.count).toBe(50);
    expect(side.keys[side.top]).toBe(4999);
    expect(side.keys[side.lo]).toBe(4950);
    expect(side.keys.length).toBeLessThanOrEqual(128);
    // And back down: new deepest levels, the best deleted.
    for (let k = 4949; k >= 0; k--) {
      side.set(k, 3);
      side.set(k + 50, 0);
    }
    expect(contents(side)).toEqual(Array.from({ length: 50 }, (_, i) => [i, 3]));
  });
});
