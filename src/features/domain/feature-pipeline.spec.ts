import * as fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OrderBook } from '../../order-book/domain/order-book';
import { BookDelta, parseOrderbookMessage } from '../../order-book/domain/order-book.parse';
import {
  CANDLE_FEATURE_NAMES,
  CANDLE_OFFSET,
  FEATURE_NAMES,
  INDICATOR_FEATURE_NAMES,
  INDICATOR_OFFSET,
  ORDERBOOK_FEATURE_NAMES,
} from './feature-names';
import { FeaturePipeline } from './feature-pipeline';
import { IndicatorFeatureExtractor } from './indicator-feature-extractor';
import { IndicatorCandle } from './indicators/indicator-candle';
import { MultiSymbolFeaturePipeline } from './multi-symbol-feature-pipeline';
import { sharedPath } from '../../../test/support/shared-data';

const ROOT = join(__dirname, '../../..');
const GRID = { tickSize: '0.5', qtyStep: '1' };

function bookOf(bids: Array<[number, number]>, asks: Array<[number, number]>, ts = 1_000): OrderBook {
  const book = new OrderBook('TEST', GRID);
  book.apply(BookDelta.of('snapshot', 1, bids, asks, ts));
  return book;
}

function candle(i: number, open: number, high: number, low: number, close: number, volume: number): IndicatorCandle {
  return { openTimeMs: 1_700_000_000_000 + i * 60_000, open, high, low, close, volume };
}

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

function loadCandles(rows: number): IndicatorCandle[] {
  const text = readFileSync(sharedPath('data/candles/btcusdt-1m-2021-02-19-to-25.csv'), 'utf8');
  return text
    .trim()
    .split('\n')
    .slice(1, rows + 1)
    .map((line) => {
      const [t, o, h, l, c, v] = line.split(',').map(Number);
      return { openTimeMs: t, open: o, high: h, low: l, close: c, volume: v };
    });
}

function xrpBook(): { book: OrderBook; deltas: BookDelta[] } {
  const lines = readFileSync(join(ROOT, 'test/fixtures/bybit/xrpusdt-orderbook500-2024-12-01.jsonl'), 'utf8')
    .trim()
    .split('\n');
  const book = new OrderBook('XRPUSDT', { tickSize: '0.0001', qtyStep: '1' });
  const deltas = lines.map((line) => parseOrderbookMessage(line, book.grid, new BookDelta()));
  return { book, deltas };
}

describe('feature names', () => {
  it('should list 110 unique names split 50/25/35 in FEATURES.md order', () => {
    expect(ORDERBOOK_FEATURE_NAMES).toHaveLength(50);
    expect(CANDLE_FEATURE_NAMES).toHaveLength(25);
    expect(INDICATOR_FEATURE_NAMES).toHaveLength(35);
    expect(FEATURE_NAMES).toHaveLength(110);
    expect(new Set(FEATURE_NAMES).size).toBe(110);
    expect(Object.isFrozen(FEATURE_NAMES)).toBe(true);
    // spot checks against the FEATURES.md numbering (1-based)
    const at = (n: number): string => FEATURE_NAMES[n - 1];
    expect([at(1), at(4), at(21), at(25), at(26), at(34), at(39), at(43), at(44), at(50)]).toEqual([
      'bid_ask_spread_abs',
      'micro_price',
      'order_flow_imbalance',
      'smart_money_index',
      'largest_bid_cluster_price',
      'distance_to_support',
      'effective_spread',
      'depth_imbalance_ratio',
      'level_ttl_avg',
      'spread_volatility',
    ]);
    expect([at(51), at(56), at(64), at(70), at(75)]).toEqual([
      'open',
      'typical_price',
      'realized_volatility',
      'volume_weighted_price',
      'gap_size',
    ]);
    expect([at(76), at(82), at(85), at(93), at(97), at(101), at(103), at(105), at(110)]).toEqual([
      'sma_10',
      'macd',
      'adx',
      'cci',
      'bollinger_upper',
      'bollinger_pct',
      'keltner_upper',
      'obv',
      'nvi',
    ]);
  });
});

describe(FeaturePipeline.name, () => {
  it('should return the same 110-length buffer on every update, matching toArray, names and channel views', () => {
    const sut = new FeaturePipeline('TEST');
    const book = bookOf([[200, 10]], [[202, 4]]);
    const first = sut.update(book, 1_000);
    const second = sut.update(book, 2_000);

    expect(second).toBe(first);
    expect(first).toHaveLength(110);
    expect(sut.names()).toEqual(FEATURE_NAMES);
    const channels = sut.toChannels();
    expect(channels.orderbook).toHaveLength(50);
    expect(channels.candle).toHaveLength(25);
    expect(channels.indicator).toHaveLength(35);
    expect([...channels.orderbook, ...channels.candle, ...channels.indicator]).toEqual(sut.toArray());
    expect(channels.orderbook.buffer).toBe(first.buffer);
  });

  it('should stay finite and not warm for an empty and a one-sided book', () => {
    const sut = new FeaturePipeline('TEST');
    const empty = new OrderBook('TEST', GRID);

    expect(allFinite(sut.update(empty, 0))).toBe(true);
    expect(sut.warm).toBe(false);
    expect(allFinite(sut.update(bookOf([[200, 10]], []), 10))).toBe(true);
    expect(allFinite(sut.update(bookOf([], [[202, 3]]), 20))).toBe(true);
    expect(sut.ready[0]).toBe(0);
    expect(sut.sanitized).toBe(0);
  });

  it('should stay finite for a single candle, constant prices and zero volumes', () => {
    const sut = new FeaturePipeline('TEST', { normalize: true });
    const book = bookOf([[200, 10]], [[202, 4]]);
    sut.onCandle(candle(0, 100, 100, 100, 100, 0));
    expect(allFinite(sut.update(book, 0))).toBe(true);
    for (let i = 1; i < 300; i++) {
      sut.onCandle(candle(i, 100, 100, 100, 100, 0));
      sut.onTrade(i * 1000, 100, 1, i % 2 === 0);
      expect(allFinite(sut.update(book, i * 1000))).toBe(true);
    }
    expect(allFinite(sut.raw)).toBe(true);
    expect(sut.sanitized).toBe(0);
  });

  it('should never emit NaN or Infinity over long random sequences of books, trades and candles', () => {
    const event = fc.oneof(
      fc.record({
        kind: fc.constant('book' as const),
        bids: fc.array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 1e6 })), { maxLength: 15 }),
        asks: fc.array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 1e6 })), { maxLength: 15 }),
        snapshot: fc.boolean(),
        dt: fc.integer({ min: 0, max: 5_000 }),
      }),
      fc.record({
        kind: fc.constant('trade' as const),
        price: fc.double({ min: 0, max: 1e5, noNaN: true }),
        size: fc.double({ min: 0, max: 1e3, noNaN: true }),
        buy: fc.boolean(),
        dt: fc.integer({ min: 0, max: 5_000 }),
      }),
      fc.record({
        kind: fc.constant('candle' as const),
        o: fc.double({ min: 0, max: 1e5, noNaN: true }),
        h: fc.double({ min: 0, max: 1e5, noNaN: true }),
        l: fc.double({ min: 0, max: 1e5, noNaN: true }),
        c: fc.double({ min: 0, max: 1e5, noNaN: true }),
        v: fc.double({ min: 0, max: 1e4, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 400 }), fc.boolean(), (events, normalize) => {
        const sut = new FeaturePipeline('TEST', { normalize });
        const book = new OrderBook('TEST', GRID);
        let now = 1_000_000;
        let u = 0;
        let candles = 0;
        for (const e of events) {
          if (e.kind === 'book') {
            now += e.dt;
            const type = e.snapshot || u === 0 ? 'snapshot' : 'delta';
            u = type === 'snapshot' ? 1 : u + 1;
            book.apply(BookDelta.of(type, u, e.bids, e.asks, now));
            if (book.needsResync) u = 0;
            if (!allFinite(sut.update(book, now))) return false;
          } else if (e.kind === 'trade') {
            now += e.dt;
            sut.onTrade(now, e.price, e.size, e.buy);
          } else {
            const high = Math.max(e.o, e.h, e.l, e.c);
            const low = Math.min(e.o, e.h, e.l, e.c);
            sut.onCandle(candle(candles++, e.o, high, low, e.c, e.v));
          }
          if (!allFinite(sut.compute(now))) return false;
        }
        return sut.sanitized === 0;
      }),
      { numRuns: 150 },
    );
  });

  it('should compute hand-checked order-book features on a tiny book', () => {
    // tick 0.5: bids 100 × 10, 99.5 × 5; asks 101 × 4, 101.5 × 6
    const sut = new FeaturePipeline('TEST', { minClusterVolume: 1_000 });
    const v = sut.update(
      bookOf(
        [
          [200, 10],
          [199, 5],
        ],
        [
          [202, 4],
          [203, 6],
        ],
      ),
      1_000,
    );
    const f = (name: string): number => v[FEATURE_NAMES.indexOf(name)];

    expect(f('bid_ask_spread_abs')).toBe(1);
    expect(f('mid_price')).toBe(100.5);
    expect(f('bid_ask_spread_rel')).toBeCloseTo(1 / 100.5, 15);
    expect(f('micro_price')).toBeCloseTo((100 * 4 + 101 * 10) / 14, 12);
    expect(f('vwap_bid_5')).toBeCloseTo((100 * 10 + 99.5 * 5) / 15, 12);
    expect(f('depth_bid_5')).toBe(15);
    expect(f('depth_ask_10')).toBe(10);
    expect(f('book_depth_ratio')).toBe(1.5);
    expect(f('imbalance_5')).toBe(0.6);
    expect(f('price_pressure')).toBeCloseTo((10 - 4 + (5 - 6) / 2) / (14 + 11 / 2), 12);
    expect(f('volume_delta_5')).toBe(5);
    expect(f('liquidity_bid_5')).toBe(1497.5);
    expect(f('liquidity_ask_5')).toBe(404 + 609);
    // bands of 10 ticks: bids 200 and 199 are bands 20 and 19 (1000 and 497.5 notional); only band 20 is ≥ 1000
    expect(f('num_bid_clusters')).toBe(1);
    expect(f('largest_bid_cluster_price')).toBe(100);
    expect(f('largest_bid_cluster_volume')).toBe(1000);
    // asks 202, 203 share band 20: notional 1013, weighted price (101·404 + 101.5·609)/1013
    expect(f('num_ask_clusters')).toBe(1);
    expect(f('largest_ask_cluster_price')).toBeCloseTo((101 * 404 + 101.5 * 609) / 1013, 12);
    expect(f('support_level_1')).toBe(100);
    expect(f('distance_to_support')).toBeCloseTo(0.5 / 100.5, 15);
    expect(f('order_flow_imbalance')).toBe(0);
    expect(f('buy_sell_ratio')).toBe(0.5);
    expect(f('effective_spread')).toBeCloseTo(1 / 100.5, 15);
  });

  it('should compute order flow, intensities, trades and level lifetimes from successive messages', () => {
    const sut = new FeaturePipeline('TEST');
    const book = new OrderBook('TEST', GRID);
    book.apply(BookDelta.of('snapshot', 1, [[200, 10]], [[202, 4]], 0));
    sut.update(book, 0);
    // bid 200 grows 10 → 14 (+4); new bid 201 × 3 (born at 1000)
    book.apply(
      BookDelta.of(
        'delta',
        2,
        [
          [200, 14],
          [201, 3],
        ],
        [],
        1_000,
      ),
    );
    sut.update(book, 1_000);
    // delete 201 at 3500: lifetime 2.5 s
    book.apply(BookDelta.of('delta', 3, [[201, 0]], [], 3_500));
    sut.update(book, 3_500);
    sut.onTrade(3_600, 101, 2, true);
    sut.onTrade(3_700, 100, 1, false);
    const v = sut.compute(4_000);
    const f = (name: string): number => v[FEATURE_NAMES.indexOf(name)];

    expect(f('bid_intensity')).toBeCloseTo((4 + 3) / 10, 12);
    expect(f('ask_intensity')).toBe(0);
    // e2: Pb up 200→201: +Qb(3); asks unchanged: −Qa + Qa' = 0. e3: Pb down 201→200: −Qb'(3)
    expect(f('order_flow_imbalance')).toBe(0);
    expect(f('level_ttl_avg')).toBe(2.5);
    expect(f('level_ttl_std')).toBe(0);
    expect(f('buy_sell_ratio')).toBeCloseTo(2 / 3, 15);
    expect(f('trade_arrival_rate')).toBeCloseTo(2 / 60, 15);
    expect(f('update_frequency')).toBeCloseTo(3 / 60, 15);
    // mid at both trades: (100 + 101)/2 = 100.5; ES = (2·(2·0.5/100.5) + 1·(−2·(−0.5)/100.5))/3
    expect(f('effective_spread')).toBeCloseTo((2 * (1 / 100.5) + 1 * (1 / 100.5)) / 3, 12);
  });

  it('should compute hand-checked candle features', () => {
    const sut = new FeaturePipeline('TEST');
    sut.onCandle(candle(0, 100, 110, 95, 105, 2));
    let v = sut.compute(0);
    const f = (name: string): number => v[FEATURE_NAMES.indexOf(name)];
    expect(f('typical_price')).toBeCloseTo(310 / 3, 12);
    expect(f('high_low_range')).toBeCloseTo(0.15, 15);
    expect(f('body_size')).toBeCloseTo(0.05, 15);
    expect(f('upper_shadow')).toBeCloseTo(0.05, 15);
    expect(f('lower_shadow')).toBeCloseTo(0.05, 15);
    expect(f('doji_strength')).toBeCloseTo(2 / 3, 15);
    expect(f('hammer_strength')).toBe(0);
    expect(f('money_flow')).toBeCloseTo((310 / 3) * 2, 12);
    expect(f('returns')).toBe(0);
    expect(f('volume_ma_ratio')).toBe(1);
    expect(sut.ready[CANDLE_OFFSET + 6]).toBe(0);
    // bearish 105 → 100, then bullish engulfing 99 → 107
    sut.onCandle(candle(1, 105, 106, 99, 100, 4));
    sut.onCandle(candle(2, 99, 108, 98, 107, 8));
    v = sut.compute(0);
    expect(f('returns')).toBeCloseTo(0.07, 15);
    expect(f('log_returns')).toBeCloseTo(Math.log(1.07), 15);
    expect(f('engulfing_strength')).toBeCloseTo(1 - 5 / 8, 15);
    expect(f('volume_change_rate')).toBe(1);
    expect(f('price_volume_trend')).toBeCloseTo((8 * 7) / 100, 15);
    expect(f('gap_size')).toBeCloseTo(-0.01, 15);
    expect(f('hammer_strength')).toBe(0);
    expect(sut.ready[CANDLE_OFFSET + 6]).toBe(1);
  });

  it('should give identical outputs after a standardisation save/load round trip', () => {
    const a = new FeaturePipeline('TEST', { normalize: true });
    const book = bookOf(
      [
        [200, 10],
        [199, 3],
      ],
      [
        [202, 4],
        [204, 1],
      ],
    );
    for (let i = 0; i < 100; i++) {
      a.onCandle(candle(i, 100 + (i % 7), 105 + (i % 5), 95, 100 + (i % 3), 1 + (i % 4)));
      a.update(book, i * 1_000);
    }
    const state = JSON.parse(JSON.stringify(a.saveState())) as ReturnType<FeaturePipeline['saveState']>;
    const b = new FeaturePipeline('TEST', { normalize: true });
    for (let i = 0; i < 100; i++) {
      b.onCandle(candle(i, 100 + (i % 7), 105 + (i % 5), 95, 100 + (i % 3), 1 + (i % 4)));
      b.onBook(book, i * 1_000);
    }
    b.loadState(state);

    for (let i = 100; i < 120; i++) {
      const c = candle(i, 101, 107, 96, 103 + (i % 2), 3);
      a.onCandle(c);
      b.onCandle(c);
      expect(Array.from(b.update(book, i * 1_000))).toEqual(Array.from(a.update(book, i * 1_000)));
    }
    expect(b.saveState()).toEqual(a.saveState());
  });

  it('should equal the indicators’ own outputs on the BTCUSDT candle file with an XRPUSDT book', () => {
    const candles = loadCandles(500);
    const { book, deltas } = xrpBook();
    const sut = new FeaturePipeline('XRPUSDT');
    const reference = new IndicatorFeatureExtractor();
    let d = 0;
    for (let i = 0; i < candles.length; i++) {
      sut.onCandle(candles[i]);
      const c = candles[i];
      const expected = [
        reference.sma10.update(c),
        reference.sma20.update(c),
        reference.sma50.update(c),
        reference.ema10.update(c),
        reference.ema20.update(c),
        reference.ema50.update(c),
      ];
      const macd = reference.macd.update(c);
      const dm = reference.dm.update(c);
      const rsi14 = reference.rsi14.update(c);
      const rsi28 = reference.rsi28.update(c);
      const st = reference.stochastic.update(c);
      const wr = reference.williamsR.update(c);
      const cci = reference.cci.update(c);
      const mom = reference.momentum.update(c);
      const roc = reference.roc.update(c);
      const mfi = reference.mfi.update(c);
      const bb = reference.bollinger.update(c);
      const atr = reference.atr.update(c);
      const kc = reference.keltner.update(c);
      expected.push(
        macd.macd,
        macd.signal,
        macd.histogram,
        dm.adx,
        dm.plusDi,
        dm.minusDi,
        rsi14,
        rsi28,
        st.k,
        st.d,
        wr,
        cci,
        mom,
        roc,
        mfi,
      );
      expected.push(bb.upper, bb.middle, bb.lower, bb.width, bb.percentB, atr, kc.upper, kc.lower);
      expected.push(
        reference.obv.update(c),
        reference.vwap.update(c),
        reference.adLine.update(c),
        reference.cmf.update(c),
        reference.vpt.update(c),
        reference.nvi.update(c),
      );

      const delta = deltas[d % deltas.length];
      if (d < deltas.length) book.apply(delta, delta.ts);
      d++;
      const v = sut.update(book, candles[i].openTimeMs);
      const channel = sut.toChannels().indicator;
      if (i >= 49) {
        // every indicator past its L (MACD 33, ADX 27, SMA 49): the channel is exactly the indicator's value
        expect(sut.ready.subarray(INDICATOR_OFFSET).every((x) => x === 1)).toBe(true);
        expect(Array.from(channel)).toEqual(expected);
      }
      expect(allFinite(v)).toBe(true);
    }
    expect(book.bidCount).toBeGreaterThan(0);
    expect(sut.raw[FEATURE_NAMES.indexOf('mid_price')]).toBeGreaterThan(1);
    expect(sut.sanitized).toBe(0);
  });
});

describe(MultiSymbolFeaturePipeline.name, () => {
  it('should keep one independent pipeline per symbol', () => {
    const sut = new MultiSymbolFeaturePipeline();
    const a = new OrderBook('A', GRID);
    a.apply(BookDelta.of('snapshot', 1, [[200, 1]], [[202, 1]], 0));
    const b = new OrderBook('B', GRID);
    b.apply(BookDelta.of('snapshot', 1, [[400, 1]], [[402, 1]], 0));

    const va = sut.update(a, 0);
    const vb = sut.update(b, 0);

    expect(va).not.toBe(vb);
    expect(va[2]).toBe(100.5);
    expect(vb[2]).toBe(200.5);
    expect(sut.symbols().sort()).toEqual(['A', 'B']);
    expect(Object.keys(sut.saveState()).sort()).toEqual(['A', 'B']);
  });
});
