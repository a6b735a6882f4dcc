import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BookMetrics,
  BookMetricsCache,
  ClusterList,
  computeBookMetrics,
  computeTouchMetrics,
  findClusters,
  imbalance,
} from './book-metrics';
import { OrderBook } from './order-book';
import { BookDelta, parseOrderbookMessage } from './order-book.parse';

type Level = readonly [number, number];

/** Tick 0.1, lot 1: price ticks 1000 = 100.0. */
function aBook(bids: Level[], asks: Level[]): OrderBook {
  const book = new OrderBook('TESTUSDT', { tickSize: '0.1', qtyStep: '1' });
  book.apply(BookDelta.of('snapshot', 1, bids, asks, 1000));
  return book;
}

describe(computeBookMetrics.name, () => {
  const book = () =>
    aBook(
      [
        [1000, 30],
        [999, 30],
      ],
      [
        [1001, 10],
        [1002, 10],
      ],
    );

  it('should give spread, mid and micro-price from the touch when the book is two-sided', () => {
    const sut = computeBookMetrics(book(), { minClusterVolume: 1e9 });

    expect(sut.twoSided).toBe(true);
    expect(sut.bestBid).toBe(100);
    expect(sut.bestAsk).toBe(100.1);
    expect(sut.spreadTicks).toBe(1);
    expect(sut.spreadAbs).toBe(0.1);
    expect(sut.mid).toBe(100.05);
    expect(sut.spreadRel).toBeCloseTo(0.1 / 100.05, 15);
    // (100.0 × 10 + 100.1 × 30) / 40: pulled toward the ask, the side with less size.
    expect(sut.microPrice).toBe(100.075);
  });

  it('should give an imbalance of exactly 0.75 when bids hold three quarters of the volume', () => {
    const sut = computeBookMetrics(book(), { minClusterVolume: 1e9 });

    expect(sut.imbalance5).toBe(0.75);
    expect(sut.imbalance10).toBe(0.75);
    expect(sut.imbalanceAll).toBe(0.75);
    expect(sut.bidVolume).toBe(60);
    expect(sut.askVolume).toBe(20);
  });

  it('should find level clusters, the largest per side and support/resistance with distances when notionals reach the minimum', () => {
    const b = aBook(
      [
        [1000, 30],
        [999, 30],
        [990, 100],
      ],
      [
        [1001, 10],
        [1003, 40],
        [1010, 100],
      ],
    );

    // 99.9 × 30 = 2997 sits exactly at the threshold and counts; 100.1 × 10 = 1001 does not.
    const sut = computeBookMetrics(b, { minClusterVolume: 2997 }, new BookMetrics());

    expect([...sut.bidClusters.prices.subarray(0, sut.bidClusters.count)]).toEqual([1000, 999, 990]);
    expect([...sut.bidClusters.notionals.subarray(0, sut.bidClusters.count)]).toEqual([3000, 2997, 9900]);
    expect([...sut.askClusters.prices.subarray(0, sut.askClusters.count)]).toEqual([1003, 1010]);
    expect(sut.largestBidClusterPrice).toBe(99);
    expect(sut.largestBidClusterNotional).toBe(9900);
    expect(sut.largestAskClusterPrice).toBe(101);
    expect(sut.largestAskClusterNotional).toBe(10100);
    expect(sut.supportPrice).toBe(100);
    expect(sut.supportNotional).toBe(3000);
    expect(sut.supportDistanceAbs).toBe(0.05);
    expect(sut.supportDistanceRel).toBe(0.05 / 100.05);
    expect(sut.resistancePrice).toBe(100.3);
    expect(sut.resistanceNotional).toBeCloseTo(4012, 9);
    expect(sut.resistanceDistanceAbs).toBe(0.25);
    expect(sut.resistanceDistanceRel).toBe(0.25 / 100.05);
  });

  it('should leave support and resistance absent when no level reaches the minimum', () => {
    const sut = computeBookMetrics(book(), { minClusterVolume: 10_000 });

    expect(sut.bidClusters.count + sut.askClusters.count).toBe(0);
    expect(sut.supportPrice).toBeNaN();
    expect(sut.resistanceDistanceAbs).toBeNaN();
    expect(sut.largestBidClusterNotional).toBe(0);
  });

  it('should give NaN prices and an imbalance of 0.5 when the book is empty', () => {
    const sut = computeBookMetrics(aBook([], []), { minClusterVolume: 1 });

    expect(sut.twoSided).toBe(false);
    expect(sut.mid).toBeNaN();
    expect(sut.microPrice).toBeNaN();
    expect(sut.imbalance5).toBe(0.5);
    expect(sut.imbalanceAll).toBe(0.5);
  });
});

describe(imbalance.name, () => {
  it('should count only the best N levels per side when N is below the depth', () => {
    const b = aBook(
      [
        [1000, 1],
        [999, 1],
        [998, 1],
        [997, 1],
        [996, 1],
        [995, 1],
        [994, 10],
      ],
      [
        [1001, 1],
        [1002, 1],
        [1003, 1],
        [1004, 1],
        [1005, 1],
        [1006, 1],
      ],
    );

    expect(imbalance(b, 5)).toBe(0.5);
    expect(imbalance(b, 10)).toBe(16 / 22);
    expect(imbalance(b, Infinity)).toBe(16 / 22);
  });
});

describe(findClusters.name, () => {
  it('should aggregate adjacent levels into aligned bands when a band width is given', () => {
    // notionals: 100.0×5 = 500 | 99.9×5 + 99.5×10 = 1494.5 | 98.9×100 = 9890
    const b = aBook(
      [
        [1000, 5],
        [999, 5],
        [995, 10],
        [989, 100],
      ],
      [[1001, 1]],
    );

    const sut = findClusters(b, 'bid', 1494.5, new ClusterList(1), 10);

    expect(sut.count).toBe(2);
    expect([sut.prices[0], sut.lows[0], sut.highs[0], sut.sizes[0], sut.notionals[0]]).toEqual([
      999, 990, 999, 15, 1494.5,
    ]);
    expect([sut.prices[1], sut.lows[1], sut.highs[1], sut.sizes[1], sut.notionals[1]]).toEqual([
      989, 980, 989, 100, 9890,
    ]);
  });

  it('should start ask bands at the level nearest the touch when clustering asks', () => {
    const b = aBook(
      [[1000, 1]],
      [
        [1001, 20],
        [1004, 20],
        [1012, 1],
      ],
    );

    const sut = findClusters(b, 'ask', 4000, new ClusterList(), 10);

    expect(sut.count).toBe(1);
    expect([sut.prices[0], sut.lows[0], sut.highs[0], sut.sizes[0]]).toEqual([1001, 1000, 1009, 40]);
  });
});

/** The fields the touch part fills: every one of them equals what the complete computation gives. */
const TOUCH_FIELDS = [
  'twoSided',
  'bestBid',
  'bestAsk',
  'spreadTicks',
  'spreadAbs',
  'spreadRel',
  'mid',
  'microPrice',
  'imbalance5',
  'imbalance10',
  'bidLots5',
  'askLots5',
  'bidLots10',
  'askLots10',
  'supportPrice',
  'supportNotional',
  'supportDistanceAbs',
  'supportDistanceRel',
  'resistancePrice',
  'resistanceNotional',
  'resistanceDistanceAbs',
  'resistanceDistanceRel',
] as const;

function nearest(list: ClusterList): number[] {
  return list.count > 0 ? [list.prices[0], list.lows[0], list.highs[0], list.sizes[0], list.notionals[0]] : [];
}

describe(computeTouchMetrics.name, () => {
  const lines = readFileSync(
    join(__dirname, '../../../test/fixtures/bybit/xrpusdt-orderbook500-2024-12-01.jsonl'),
    'utf8',
  )
    .split(/\r?\n/)
    .filter((line) => line.length > 0);

  it('should equal the complete metrics on every touch field and the nearest cluster when the real XRPUSDT ob500 recording is replayed', () => {
    const book = new OrderBook('XRPUSDT', { tickSize: '0.0001', qtyStep: '1' });
    const delta = new BookDelta(500);
    for (const minClusterVolume of [0, 2_000, 10_000, 50_000, 1e9]) {
      for (const line of lines) {
        book.apply(parseOrderbookMessage(line, book.grid, delta));
        const full = computeBookMetrics(book, { minClusterVolume });
        const sut = computeTouchMetrics(book, { minClusterVolume });

        for (const field of TOUCH_FIELDS) expect([field, sut[field]]).toEqual([field, full[field]]);
        expect(nearest(sut.bidClusters)).toEqual(nearest(full.bidClusters));
        expect(nearest(sut.askClusters)).toEqual(nearest(full.askClusters));
        expect(sut.complete).toBe(false);
        expect(full.complete).toBe(true);
      }
    }
  });

  it('should leave the depth part NaN when only the touch is computed', () => {
    const sut = computeTouchMetrics(aBook([[1000, 30]], [[1001, 10]]), { minClusterVolume: 1 });

    expect(sut.imbalanceAll).toBeNaN();
    expect(sut.bidVolume).toBeNaN();
    expect(sut.largestAskClusterNotional).toBeNaN();
    expect(sut.bidClusters.count).toBe(1);
  });
});

describe(BookMetricsCache.name, () => {
  it('should compute once per book version and complete the touch part in place when the depth part is asked for', () => {
    const book = aBook(
      [
        [1000, 30],
        [999, 100],
      ],
      [[1001, 10]],
    );
    const sut = new BookMetricsCache({ minClusterVolume: 2000 });

    const touch = sut.touch(book);
    expect(touch.complete).toBe(false);
    expect(touch.bidClusters.count).toBe(1);
    touch.imbalance5 = -1; // a recomputation would overwrite this
    expect(sut.touch(book).imbalance5).toBe(-1);

    const full = sut.full(book);
    expect(full).toBe(touch);
    expect(full.complete).toBe(true);
    expect(full.bidClusters.count).toBe(2);
    expect(full.imbalance5).toBe(130 / 140);
    expect(sut.touch(book).complete).toBe(true); // the complete metrics serve the touch of the same version

    book.apply(BookDelta.of('delta', 2, [[1000, 0]], [], 1001));
    const next = sut.touch(book);
    expect(next.complete).toBe(false);
    expect(next.bestBid).toBe(99.9);
    expect(next.imbalance5).toBe(100 / 110);
  });
});
