import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { BookApplyResult, BookLevels, OrderBook, requiresResync } from './order-book';
import { BookDelta, parseOrderbookMessage } from './order-book.parse';

type Level = readonly [number, number];

const GRID = { tickSize: '0.1', qtyStep: '0.001' };

function aBook(): OrderBook {
  return new OrderBook('BTCUSDT', GRID);
}

function snapshot(u: number, bids: Level[], asks: Level[], ts = 1000): BookDelta {
  return BookDelta.of('snapshot', u, bids, asks, ts);
}

function delta(u: number, bids: Level[], asks: Level[], ts = 1000): BookDelta {
  return BookDelta.of('delta', u, bids, asks, ts);
}

function levels(out: BookLevels): Array<[number, number]> {
  const rows: Array<[number, number]> = [];
  for (let i = 0; i < out.count; i++) rows.push([out.prices[i], out.sizes[i]]);
  return rows;
}

/** The obvious implementation the real book must match: Maps, sorting on every read. */
class NaiveBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  u = 0;
  seen = false;
  pending = false;
  crossed = false;

  apply(d: BookDelta): BookApplyResult {
    const reset = d.type === 'snapshot' || d.u === 1;
    if (reset) {
      this.bids.clear();
      this.asks.clear();
      this.seen = true;
      this.pending = false;
    } else {
      if (!this.seen || this.pending) return 'awaiting-snapshot';
      if (d.u <= this.u) return 'ignored-stale-u';
      if (d.u > this.u + 1) {
        this.pending = true;
        this.bids.clear();
        this.asks.clear();
        return 'gap';
      }
    }
    for (let i = 0; i < d.bidCount; i++) write(this.bids, d.bidPrices[i], d.bidSizes[i]);
    for (let i = 0; i < d.askCount; i++) write(this.asks, d.askPrices[i], d.askSizes[i]);
    this.u = d.u;
    const bestBid = Math.max(...this.bids.keys());
    const bestAsk = Math.min(...this.asks.keys());
    this.crossed = this.bids.size > 0 && this.asks.size > 0 && bestBid >= bestAsk;
    if (this.crossed) this.pending = true;
    return this.crossed ? 'crossed' : reset ? 'reset' : 'applied';
  }

  sortedBids(): Array<[number, number]> {
    return [...this.bids.entries()].sort((a, b) => b[0] - a[0]);
  }

  sortedAsks(): Array<[number, number]> {
    return [...this.asks.entries()].sort((a, b) => a[0] - b[0]);
  }
}

function write(side: Map<number, number>, price: number, size: number): void {
  if (size === 0) side.delete(price);
  else side.set(price, size);
}

describe(OrderBook.name, () => {
  describe('property: same book as a naive reference', () => {
    const level = (lo: number, hi: number) =>
      fc.tuple(fc.integer({ min: lo, max: hi }), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })));
    // Bids and asks overlap on 55..65 so crossed books happen now and then.
    const sides = fc.tuple(fc.array(level(1, 65), { maxLength: 30 }), fc.array(level(55, 120), { maxLength: 30 }));
    const step = fc.oneof(
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('snapshot' as const), u: fc.integer({ min: 1, max: 1000 }), sides }),
      },
      { weight: 12, arbitrary: fc.record({ kind: fc.constant('next' as const), sides }) },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('jump' as const), by: fc.integer({ min: -3, max: 5 }), sides }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), sides }) },
    );

    it('should match the reference after every message when random snapshots and deltas are applied', () => {
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), (steps) => {
          const sut = aBook();
          const naive = new NaiveBook();
          let u = 0;
          const out = new BookLevels(4);
          for (const s of steps) {
            const [bids, asks] = s.sides;
            let message: BookDelta;
            if (s.kind === 'snapshot') message = snapshot(s.u, bids, asks);
            else if (s.kind === 'restart') message = delta(1, bids, asks);
            else if (s.kind === 'next') message = delta(u + 1, bids, asks);
            else message = delta(Math.max(2, u + s.by), bids, asks);
            const expected = naive.apply(message);
            const actual = sut.apply(message);
            if (actual === 'applied' || actual === 'reset' || actual === 'crossed') u = message.u;
            expect(actual).toBe(expected);
            expect(sut.u).toBe(naive.u);
            expect(sut.crossed).toBe(naive.crossed);
            expect(sut.needsResync).toBe(naive.pending);
            expect(levels(sut.topBids(1000, out))).toEqual(naive.sortedBids());
            expect(levels(sut.topAsks(1000, out))).toEqual(naive.sortedAsks());
          }
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('sequence rules', () => {
    it('should flag a resync and drop the book when a delta skips a u', () => {
      const sut = aBook();
      sut.apply(snapshot(10, [[100, 1]], [[101, 1]]));

      const result = sut.apply(delta(12, [[99, 1]], []));

      expect(result).toBe('gap');
      expect(requiresResync(result)).toBe(true);
      expect(sut.needsResync).toBe(true);
      expect(sut.synced).toBe(false);
      expect(sut.bidCount + sut.askCount).toBe(0);
      expect(sut.gaps).toBe(1);
    });

    it('should ignore further deltas when a resync is pending until a snapshot arrives', () => {
      const sut = aBook();
      sut.apply(snapshot(10, [[100, 1]], [[101, 1]]));
      sut.apply(delta(12, [], []));

      expect(sut.apply(delta(13, [[99, 5]], []))).toBe('awaiting-snapshot');
      expect(sut.bidCount).toBe(0);
      expect(sut.apply(snapshot(20, [[100, 2]], [[102, 3]]))).toBe('reset');
      expect(sut.synced).toBe(true);
      expect(sut.apply(delta(21, [[99, 5]], []))).toBe('applied');
      expect(sut.bestBid).toBe(100);
      expect(sut.bidCount).toBe(2);
    });

    it('should ignore a delta when its u is not above the current u', () => {
      const sut = aBook();
      sut.apply(snapshot(10, [[100, 1]], [[101, 1]]));
      sut.apply(delta(11, [[100, 2]], []));

      expect(sut.apply(delta(11, [[100, 7]], []))).toBe('ignored-stale-u');
      expect(sut.apply(delta(5, [[100, 7]], []))).toBe('ignored-stale-u');
      expect(sut.bestBidSize).toBe(2);
      expect(sut.u).toBe(11);
      expect(sut.synced).toBe(true);
    });

    it('should ignore deltas when no snapshot has arrived yet', () => {
      const sut = aBook();

      expect(sut.apply(delta(5, [[100, 1]], []))).toBe('awaiting-snapshot');
      expect(sut.synced).toBe(false);
    });

    it('should reset the book when a delta carries u = 1', () => {
      const sut = aBook();
      sut.apply(
        snapshot(
          500,
          [
            [100, 1],
            [99, 1],
          ],
          [[101, 1]],
        ),
      );

      const result = sut.apply(delta(1, [[90, 4]], [[95, 2]]));

      expect(result).toBe('reset');
      expect(levels(sut.topBids(10))).toEqual([[90, 4]]);
      expect(levels(sut.topAsks(10))).toEqual([[95, 2]]);
      expect(sut.u).toBe(1);
      expect(sut.apply(delta(2, [[91, 1]], []))).toBe('applied');
    });

    it('should replace the whole book when any snapshot arrives, even with the same u (level-1 re-send)', () => {
      const sut = aBook();
      sut.apply(snapshot(7, [[100, 1]], [[101, 1]]));

      expect(sut.apply(snapshot(7, [[98, 3]], [[103, 4]]))).toBe('reset');
      expect(sut.bestBid).toBe(98);
      expect(sut.bestAsk).toBe(103);
      expect(sut.bidCount).toBe(1);
    });

    it('should delete a level when its size is 0 and replace the size of an existing price', () => {
      const sut = aBook();
      sut.apply(
        snapshot(
          1,
          [
            [100, 1],
            [99, 2],
            [98, 3],
          ],
          [
            [101, 1],
            [102, 2],
          ],
        ),
      );

      sut.apply(
        delta(
          2,
          [
            [99, 0],
            [98, 7],
            [97, 0],
          ],
          [
            [101, 0],
            [105, 9],
          ],
        ),
      );

      expect(levels(sut.topBids(10))).toEqual([
        [100, 1],
        [98, 7],
      ]);
      expect(levels(sut.topAsks(10))).toEqual([
        [102, 2],
        [105, 9],
      ]);
    });
  });

  describe('crossed book', () => {
    it('should flag a crossed book and ask for a resync when a delta leaves best bid ≥ best ask', () => {
      const sut = aBook();
      sut.apply(snapshot(1, [[100, 1]], [[102, 1]]));

      const result = sut.apply(delta(2, [[102, 5]], []));

      expect(result).toBe('crossed');
      expect(requiresResync(result)).toBe(true);
      expect(sut.crossed).toBe(true);
      expect(sut.needsResync).toBe(true);
      expect(sut.canSignal(1000, 5000)).toBe(false);
    });

    it('should not flag a crossing when it only exists midway through one message', () => {
      const sut = aBook();
      sut.apply(snapshot(1, [[100, 1]], [[101, 1]]));

      // The bid at 101 is applied before the ask at 101 is deleted: judged after the whole message.
      expect(
        sut.apply(
          delta(
            2,
            [[101, 3]],
            [
              [101, 0],
              [102, 1],
            ],
          ),
        ),
      ).toBe('applied');
      expect(sut.crossed).toBe(false);
    });

    it('should clear the crossed flag when a clean snapshot arrives', () => {
      const sut = aBook();
      sut.apply(snapshot(1, [[101, 1]], [[101, 1]]));
      expect(sut.crossed).toBe(true);

      sut.apply(snapshot(9, [[100, 1]], [[101, 1]]));

      expect(sut.crossed).toBe(false);
      expect(sut.canSignal(1000, 5000)).toBe(true);
    });
  });

  describe('staleness and canSignal', () => {
    it('should be stale when no update arrived within the interval', () => {
      const sut = aBook();
      sut.apply(snapshot(1, [[100, 1]], [[101, 1]]), 10_000);

      expect(sut.isStale(10_000 + 2_000, 2_000)).toBe(false);
      expect(sut.isStale(10_000 + 2_001, 2_000)).toBe(true);
      expect(sut.lastUpdateMs).toBe(10_000);
    });

    it('should be stale when it never received an update', () => {
      expect(aBook().isStale(0, 1_000_000)).toBe(true);
    });

    it('should refresh the update time only when a message changes the book', () => {
      const sut = aBook();
      sut.apply(snapshot(5, [[100, 1]], [[101, 1]]), 1_000);
      sut.apply(delta(6, [[100, 2]], []), 2_000);
      sut.apply(delta(6, [[100, 3]], []), 3_000);

      expect(sut.lastUpdateMs).toBe(2_000);
    });

    it.each(
      (
        [
          ['synced, fresh, uncrossed', (b: OrderBook) => b.apply(snapshot(1, [[100, 1]], [[101, 1]]), 1_000), true],
          ['never synced', () => undefined, false],
          ['stale', (b: OrderBook) => b.apply(snapshot(1, [[100, 1]], [[101, 1]]), 0), false],
          ['crossed', (b: OrderBook) => b.apply(snapshot(1, [[101, 1]], [[100, 1]]), 1_000), false],
          [
            'resyncing after a gap',
            (b: OrderBook) => {
              b.apply(snapshot(1, [[100, 1]], [[101, 1]]), 900);
              b.apply(delta(3, [], []), 1_000);
            },
            false,
          ],
          [
            'resync requested',
            (b: OrderBook) => {
              b.apply(snapshot(1, [[100, 1]], [[101, 1]]), 1_000);
              b.requestResync();
            },
            false,
          ],
          ['one-sided', (b: OrderBook) => b.apply(snapshot(1, [[100, 1]], []), 1_000), false],
        ] as Array<[string, (b: OrderBook) => unknown, boolean]>
      ).map(([name, arrange, expected]) => ({ name, arrange, expected })),
    )('should return canSignal $expected when the book is $name', ({ arrange, expected }) => {
      const sut = aBook();
      arrange(sut);

      expect(sut.canSignal(1_500, 1_000)).toBe(expected);
    });
  });

  describe('reads', () => {
    it('should read the top N best first in ticks and fill a reused buffer when one is passed', () => {
      const sut = aBook();
      sut.apply(
        snapshot(
          1,
          [
            [100, 1],
            [98, 3],
            [99, 2],
          ],
          [
            [103, 3],
            [101, 1],
            [102, 2],
          ],
        ),
      );
      const out = new BookLevels(2);

      expect(levels(sut.topBids(2, out))).toEqual([
        [100, 1],
        [99, 2],
      ]);
      expect(levels(sut.topAsks(5, out))).toEqual([
        [101, 1],
        [102, 2],
        [103, 3],
      ]);
      expect(sut.bestBid).toBe(100);
      expect(sut.bestAsk).toBe(101);
    });

    it('should give decimal strings on the grid when viewed for the API', () => {
      const sut = aBook();
      sut.apply(snapshot(3, [[650005, 1500]], [[650010, 2]]), 77);

      const view = sut.view(10);

      expect(view.bids).toEqual([['65000.5', '1.500']]);
      expect(view.asks).toEqual([['65001.0', '0.002']]);
      expect(view).toMatchObject({ symbol: 'BTCUSDT', u: 3, synced: true, crossed: false, lastUpdateMs: 77 });
    });

    it('should give NaN best prices when a side is empty', () => {
      const sut = aBook();

      expect(sut.bestBid).toBeNaN();
      expect(sut.bestAsk).toBeNaN();
    });
  });

  describe('real XRPUSDT orderbook.500 recording', () => {
    const lines = readFileSync(
      join(__dirname, '../../../test/fixtures/bybit/xrpusdt-orderbook500-2024-12-01.jsonl'),
      'utf8',
    )
      .split(/\r?\n/)
      .filter((line) => line.length > 0);

    it('should equal a naive rebuild after every message when the recording is replayed', () => {
      const sut = new OrderBook('XRPUSDT', { tickSize: '0.0001', qtyStep: '1' });
      const parsed = new BookDelta();
      const bids = new Map<string, string>();
      const asks = new Map<string, string>();
      const results: BookApplyResult[] = [];
      let previousU = 0;
      for (const line of lines) {
        const raw = JSON.parse(line) as { type: string; data: { b: string[][]; a: string[][]; u: number } };
        if (raw.type === 'snapshot') {
          bids.clear();
          asks.clear();
        } else {
          expect(raw.data.u).toBe(previousU + 1);
        }
        previousU = raw.data.u;
        for (const [p, s] of raw.data.b)
          if (s === '0') bids.delete(p);
          else bids.set(p, s);
        for (const [p, s] of raw.data.a)
          if (s === '0') asks.delete(p);
          else asks.set(p, s);

        results.push(sut.apply(parseOrderbookMessage(line, sut.grid, parsed)));

        const view = sut.view(10_000);
        expect(view.bids).toEqual([...bids.entries()].sort((a, b) => Number(b[0]) - Number(a[0])));
        expect(view.asks).toEqual([...asks.entries()].sort((a, b) => Number(a[0]) - Number(b[0])));
        expect(sut.u).toBe(raw.data.u);
      }
      expect(results[0]).toBe('reset');
      expect(results.slice(1).every((r) => r === 'applied')).toBe(true);
      expect(sut.crossed).toBe(false);
      expect(sut.canSignal(sut.lastUpdateMs, 1000)).toBe(true);
    });
  });
});
