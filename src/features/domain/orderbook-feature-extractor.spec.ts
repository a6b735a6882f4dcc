import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { BookMetricsCache } from '../../order-book/domain/book-metrics';
import { OrderBook } from '../../order-book/domain/order-book';
import { BookDelta, parseOrderbookMessage } from '../../order-book/domain/order-book.parse';
import { sharedPath } from '../../../test/support/shared-data';
import { ReferenceFeaturePipeline } from '../../../test/support/reference-features/reference-feature-pipeline';
import { CANDLE_OFFSET, FEATURE_COUNT, FEATURE_NAMES, OB, ORDERBOOK_FEATURE_COUNT } from './feature-names';
import { FeaturePipeline, FeaturePipelineOptions } from './feature-pipeline';
import { ORDERBOOK_DEPTH_FEATURES, ORDERBOOK_INITIAL_VALUES } from './orderbook-feature-extractor';
import { Prng } from '../../simulator/domain/prng';
import { IndicatorCandle } from './indicators/indicator-candle';

/**
 * The lazy book features (depth part computed when the vector is read, windowed part at the message) against the
 * eager implementation they replaced (test/support/reference-features: a frozen copy that computed the whole vector
 * at every message), on the real BTCUSDT L2 + trades recording and on synthetic invalid books.
 */

const BTC = sharedPath('data/bybit/btcusdt-l2-trades-2024-08-08-binance-usdm.jsonl.gz');
const BTC_GRID = { tickSize: '0.10', qtyStep: '0.001' };
const GRID = { tickSize: '0.5', qtyStep: '1' };
const RELATIVE = 1e-12;
const DEPTH_PART = new Set(ORDERBOOK_DEPTH_FEATURES);

function close(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= RELATIVE * Math.max(Math.abs(a), Math.abs(b));
}

/** The first feature where `actual` and `expected` differ (value beyond 1e-12 relative, or readiness), or null. */
function firstDifference(
  actual: Float64Array,
  actualReady: Uint8Array,
  expected: ArrayLike<number>,
  expectedReady: ArrayLike<number>,
  skip: (i: number) => boolean = () => false,
): string | null {
  for (let i = 0; i < FEATURE_COUNT; i++) {
    if (skip(i)) continue;
    if (!close(actual[i], expected[i])) return `${FEATURE_NAMES[i]}: ${actual[i]} (lazy) vs ${expected[i]} (eager)`;
    if (actualReady[i] !== expectedReady[i])
      return `${FEATURE_NAMES[i]} ready: ${actualReady[i]} (lazy) vs ${expectedReady[i]} (eager)`;
  }
  return null;
}

interface Replay {
  /** Reads compared (each one every feature and its readiness). */
  reads: number;
  /** Applied book messages fed to both. */
  bookMessages: number;
  differences: string[];
}

interface TradeMessage {
  data: Array<{ T: number; p: string; v: string; S: string }>;
}

/**
 * Replays the BTCUSDT recording through both pipelines as the live path feeds them (the touch metrics of each applied
 * message, trades, one-minute candles built from the trades) and compares the lazy vector with the eager one at the
 * reads `readAt` chooses: after a book message, and between messages (the eager vector is then the one it computed
 * at the last book message).
 */
function replayBtc(
  options: FeaturePipelineOptions,
  readAt: (kind: 'book' | 'trade' | 'candle', index: number) => boolean,
): Replay {
  const lines = gunzipSync(readFileSync(BTC)).toString('utf8').split('\n');
  const book = new OrderBook('BTCUSDT', BTC_GRID);
  const delta = new BookDelta(1024);
  const metrics = new BookMetricsCache({ minClusterVolume: options.minClusterVolume ?? 10_000 });
  const lazy = new FeaturePipeline('BTCUSDT', options);
  const eager = new ReferenceFeaturePipeline('BTCUSDT', options);
  const replay: Replay = { reads: 0, bookMessages: 0, differences: [] };
  let candle: { openTimeMs: number; open: number; high: number; low: number; close: number; volume: number } | null =
    null;
  let eagerVector: Float64Array = eager.compute(0);
  const compare = (where: string): void => {
    const vector = lazy.vector();
    replay.reads++;
    const difference = firstDifference(vector, lazy.ready, eagerVector, eager.ready);
    if (difference !== null && replay.differences.length < 5) replay.differences.push(`${where}: ${difference}`);
  };
  let index = 0;
  for (const line of lines) {
    if (line.length === 0) continue;
    index++;
    if (line.startsWith('{"topic":"orderbook.')) {
      parseOrderbookMessage(line, book.grid, delta);
      const result = book.apply(delta, delta.ts);
      if (result !== 'applied' && result !== 'reset') continue;
      replay.bookMessages++;
      const touch = metrics.touch(book);
      lazy.onBook(book, delta.ts, touch);
      eagerVector = eager.update(book, delta.ts, touch);
      if (readAt('book', index)) compare(`book message at line ${index}`);
      continue;
    }
    const trades = (JSON.parse(line) as TradeMessage).data;
    for (const trade of trades) {
      const price = Number(trade.p);
      const size = Number(trade.v);
      const minute = Math.floor(trade.T / 60_000) * 60_000;
      if (candle !== null && minute !== candle.openTimeMs) {
        const closed: IndicatorCandle = { ...candle };
        lazy.onCandle(closed);
        eager.onCandle(closed);
        if (readAt('candle', index)) compare(`after the candle at line ${index}`);
        candle = null;
      }
      if (candle === null)
        candle = { openTimeMs: minute, open: price, high: price, low: price, close: price, volume: 0 };
      candle.high = Math.max(candle.high, price);
      candle.low = Math.min(candle.low, price);
      candle.close = price;
      candle.volume += size;
      lazy.onTrade(trade.T, price, size, trade.S === 'Buy');
      eager.onTrade(trade.T, price, size, trade.S === 'Buy');
    }
    if (readAt('trade', index)) compare(`after the trades at line ${index}`);
  }
  expect(lazy.sanitized).toBe(0);
  return replay;
}

describe('lazy order-book features against the eager reference', () => {
  it('should equal the eager vector and readiness at every book message of the real BTCUSDT recording', () => {
    const replay = replayBtc({}, (kind) => kind === 'book');

    expect(replay.differences).toEqual([]);
    expect(replay.bookMessages).toBeGreaterThan(6_000);
    expect(replay.reads).toBe(replay.bookMessages);
  });

  it('should equal the eager vector at random sparse reads, between messages and after candles too', () => {
    const prng = Prng.from(7, 'sparse reads');
    const random = (): number => prng.next();
    // About one book message in 40 is read, and one trade message in 100: a depth part left over from an earlier
    // book version, or windowed values taken at the read instead of the message, would show as a difference.
    const replay = replayBtc({}, (kind) => (kind === 'candle' ? true : random() < (kind === 'book' ? 0.025 : 0.01)));

    expect(replay.differences).toEqual([]);
    expect(replay.reads).toBeGreaterThan(250);
  });

  it('should equal the eager vector with a shallow depth, single-tick bands and a higher cluster threshold', () => {
    const prng = Prng.from(11, 'shallow');
    const random = (): number => prng.next();
    const replay = replayBtc({ depth: 5, clusterBandTicks: 1, minClusterVolume: 50_000 }, () => random() < 0.05);

    expect(replay.differences).toEqual([]);
    expect(replay.reads).toBeGreaterThan(1_000);
  });
});

describe('lazy order-book features while the book is not valid', () => {
  const isOrderBook = (i: number): boolean => i < ORDERBOOK_FEATURE_COUNT;

  /** Snapshot, a few deltas and trades: a valid book with histories, fed to both pipelines. */
  function warmPair(): { book: OrderBook; lazy: FeaturePipeline; eager: ReferenceFeaturePipeline; now: number } {
    const book = new OrderBook('TEST', GRID);
    const lazy = new FeaturePipeline('TEST', { minClusterVolume: 500 });
    const eager = new ReferenceFeaturePipeline('TEST', { minClusterVolume: 500 });
    const feed = (now: number): void => {
      lazy.onBook(book, now);
      eager.update(book, now);
    };
    book.apply(
      BookDelta.of(
        'snapshot',
        1,
        [
          [200, 10],
          [199, 5],
          [190, 40],
        ],
        [
          [202, 4],
          [203, 6],
          [215, 30],
        ],
        0,
      ),
    );
    feed(0);
    let now = 0;
    for (let u = 2; u < 40; u++) {
      now = u * 500;
      book.apply(BookDelta.of('delta', u, [[200 - (u % 3), 5 + (u % 7)]], [[202 + (u % 4), 3 + (u % 5)]], now));
      feed(now);
      lazy.onTrade(now + 1, 100 + (u % 3), 1 + (u % 2), u % 2 === 0);
      eager.onTrade(now + 1, 100 + (u % 3), 1 + (u % 2), u % 2 === 0);
    }
    return { book, lazy, eager, now };
  }

  /** Every book feature not ready; touch and windowed ones held as the eager code held them; the depth part initial. */
  function expectInvalid(lazy: FeaturePipeline, eager: ReferenceFeaturePipeline): void {
    const vector = lazy.vector();
    for (let i = 0; i < ORDERBOOK_FEATURE_COUNT; i++) {
      expect(lazy.ready[i]).toBe(0);
      if (DEPTH_PART.has(i)) expect(vector[i]).toBe(ORDERBOOK_INITIAL_VALUES[i]);
      else expect([FEATURE_NAMES[i], vector[i]]).toEqual([FEATURE_NAMES[i], eager.raw[i]]);
    }
    expect(firstDifference(vector, lazy.ready, eager.raw, eager.ready, isOrderBook)).toBeNull();
  }

  it('should hold the touch and windowed features, show the depth part initial and flag all not ready', () => {
    const { book, lazy, eager, now } = warmPair();
    expect(firstDifference(lazy.vector(), lazy.ready, eager.raw, eager.ready)).toBeNull();
    const support = lazy.vector()[OB.Support];
    expect(support).toBeGreaterThan(0);

    // One-sided: the last ask deleted (an applied delta, fed as OrderBookService feeds it).
    const asks = book.askCount;
    const deletes: Array<[number, number]> = [];
    for (let i = 0; i < asks; i++) deletes.push([book.askPriceAt(i), 0]);
    expect(book.apply(BookDelta.of('delta', 40, [], deletes, now + 100))).toBe('applied');
    lazy.onBook(book, now + 100);
    eager.update(book, now + 100);
    expectInvalid(lazy, eager);

    // Back to two-sided: a valid book again, computed as if from a snapshot.
    expect(book.apply(BookDelta.of('delta', 41, [], [[204, 9]], now + 200))).toBe('applied');
    lazy.onBook(book, now + 200);
    eager.update(book, now + 200);
    expect(firstDifference(lazy.vector(), lazy.ready, eager.raw, eager.ready)).toBeNull();

    // A crossing delta (never fed: OrderBookService resyncs instead), then a gap that clears the book.
    expect(book.apply(BookDelta.of('delta', 42, [[205, 3]], [], now + 300))).toBe('crossed');
    expect(lazy.vector()[OB.Support]).toBe(0);
    expect(lazy.ready.subarray(0, ORDERBOOK_FEATURE_COUNT).every((flag) => flag === 0)).toBe(true);
    expect(firstDifference(lazy.vector(), lazy.ready, eager.raw, eager.ready, isOrderBook)).toBeNull();
    // A crossed book fed anyway is just as invalid.
    lazy.onBook(book, now + 300);
    eager.update(book, now + 300);
    expectInvalid(lazy, eager);

    // Resync: a fresh snapshot is valid again and equals the eager vector.
    expect(
      book.apply(
        BookDelta.of(
          'snapshot',
          1,
          [
            [198, 7],
            [197, 50],
          ],
          [
            [201, 2],
            [209, 60],
          ],
          now + 400,
        ),
      ),
    ).toBe('reset');
    lazy.onBook(book, now + 400);
    eager.update(book, now + 400);
    expect(firstDifference(lazy.vector(), lazy.ready, eager.raw, eager.ready)).toBeNull();
  });

  it('should show a book cleared by a gap as not valid, whether or not the vector was read before', () => {
    const read = warmPair();
    const unread = warmPair();
    // One reads the vector of the last message (the depth part is then computed), the other does not.
    expect(read.lazy.vector()[OB.Support]).toBeGreaterThan(0);
    for (const { book } of [read, unread]) expect(book.apply(BookDelta.of('delta', 45, [], [], 1))).toBe('gap');

    expectInvalid(read.lazy, read.eager);
    expectInvalid(unread.lazy, unread.eager);
    expect(Array.from(read.lazy.vector())).toEqual(Array.from(unread.lazy.vector()));
  });

  it('should give the vector of the last book message whenever it is read, candles and trades since included', () => {
    const early = warmPair();
    const late = warmPair();
    // `early` reads right after the message, `late` only after a trade and a candle: both see the message's vector.
    const atMessage = Array.from(early.lazy.vector());
    const candle = { openTimeMs: 0, open: 100, high: 103, low: 99, close: 101, volume: 12 };
    for (const pair of [early, late]) {
      pair.lazy.onTrade(early.now + 5, 150, 3, true);
      pair.eager.onTrade(early.now + 5, 150, 3, true);
      pair.lazy.onCandle(candle);
      pair.eager.onCandle(candle);
    }

    expect(Array.from(early.lazy.vector())).toEqual(atMessage);
    expect(Array.from(late.lazy.vector())).toEqual(atMessage);
    expect(firstDifference(late.lazy.vector(), late.lazy.ready, late.eager.raw, late.eager.ready)).toBeNull();
    // The next message brings the candle and the trade in.
    late.book.apply(BookDelta.of('delta', 40, [[200, 11]], [], late.now + 10));
    late.lazy.onBook(late.book, late.now + 10);
    late.eager.update(late.book, late.now + 10);
    expect(late.lazy.vector()[CANDLE_OFFSET]).toBe(100);
    expect(firstDifference(late.lazy.vector(), late.lazy.ready, late.eager.raw, late.eager.ready)).toBeNull();
  });

  it('should give the Roll spread of the last book message after hundreds of trades, read or not in between', () => {
    const early = warmPair();
    const late = warmPair();
    const trade = (pair: ReturnType<typeof warmPair>, i: number, at: number): void => {
      // Bid-ask bounce around 100 with a drift: a negative covariance of successive changes.
      const price = 100 + (i % 2 === 0 ? 0.5 : -0.5) + (i % 7) * 0.01;
      pair.lazy.onTrade(at, price, 1, i % 2 === 0);
      pair.eager.onTrade(at, price, 1, i % 2 === 0);
    };
    for (const pair of [early, late]) {
      for (let i = 0; i < 150; i++) trade(pair, i, pair.now + 10 + i);
      pair.book.apply(BookDelta.of('delta', 40, [[200, 12]], [], pair.now + 200));
      pair.lazy.onBook(pair.book, pair.now + 200);
      pair.eager.update(pair.book, pair.now + 200);
    }
    const atMessage = early.lazy.vector()[OB.RollSpread];
    expect(atMessage).toBeGreaterThan(0);
    // 400 trades before the next message: more than the ring holds beyond the message's window.
    for (const pair of [early, late]) for (let i = 0; i < 400; i++) trade(pair, 3 * i + 1, pair.now + 300 + i);

    expect(late.lazy.vector()[OB.RollSpread]).toBe(atMessage);
    expect(early.lazy.vector()[OB.RollSpread]).toBe(atMessage);
    expect(firstDifference(late.lazy.vector(), late.lazy.ready, late.eager.raw, late.eager.ready)).toBeNull();
  });
});
