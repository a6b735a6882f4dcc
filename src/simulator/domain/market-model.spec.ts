import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { toUnits } from '../../common/ticks';
import { instrumentFor } from './instrument-universe';
import { MarketModel, type MarketModelParams } from './market-model';
import type {
  KlineMessage,
  OrderbookMessage,
  PublicMessage,
  PublicTradeMessage,
  TickerMessage,
} from './market-model.messages';
import type { BookSide } from './sim-book';

const T0 = 1_733_011_200_000;

function model(symbol = 'BTCUSDT', seed: string | number = 42, params?: Partial<MarketModelParams>): MarketModel {
  return new MarketModel({ seed, instrument: instrumentFor(symbol), startMs: T0, params });
}

function collect(sut: MarketModel, toMs: number): PublicMessage[] {
  const out: PublicMessage[] = [];
  sut.advance(toMs, (m) => out.push(m));
  return out;
}

function hashOf(messages: readonly PublicMessage[]): string {
  const h = createHash('sha256');
  for (const m of messages) h.update(JSON.stringify(m));
  return h.digest('hex');
}

function allTopics(sut: MarketModel): void {
  for (const t of ['orderbook.1', 'orderbook.50', 'orderbook.200', 'publicTrade', 'kline.1', 'tickers'])
    expect(sut.open(`${t}.${sut.symbol}`)).toBe(true);
}

/** A client's book: plain maps of decimal strings, applying snapshot/delta exactly as BYBIT.md §6.1 says. */
class ReferenceBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  apply(m: OrderbookMessage): void {
    if (m.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [p, s] of m.data.b)
      if (s === '0') this.bids.delete(p);
      else this.bids.set(p, s);
    for (const [p, s] of m.data.a)
      if (s === '0') this.asks.delete(p);
      else this.asks.set(p, s);
  }
  levels(side: BookSide): [string, string][] {
    const entries = [...(side === 'bid' ? this.bids : this.asks).entries()];
    return entries.sort((x, y) => (side === 'bid' ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));
  }
}

function topOf(sut: MarketModel, side: BookSide, n: number): [string, string][] {
  return sut.book.top(side, n).map((l) => [sut.priceFormat.format(l.priceTicks), sut.sizeFormat.format(l.sizeLots)]);
}

describe(MarketModel.name, () => {
  it('should produce an identical message stream when run twice with the same seed', () => {
    const a = model('BTCUSDT', 7);
    const b = model('BTCUSDT', 7);
    allTopics(a);
    allTopics(b);
    const first = collect(a, T0 + 15_000);
    expect(first.length).toBeGreaterThan(1000);
    expect(hashOf(collect(b, T0 + 15_000))).toBe(hashOf(first));
  });

  it('should produce a different stream when the seed differs', () => {
    const a = model('BTCUSDT', 7);
    const b = model('BTCUSDT', 8);
    a.open('orderbook.50.BTCUSDT');
    b.open('orderbook.50.BTCUSDT');
    expect(hashOf(collect(a, T0 + 5_000))).not.toBe(hashOf(collect(b, T0 + 5_000)));
  });

  it('should not change the market when topics are opened or other symbols exist', () => {
    const quiet = model('ETHUSDT', 3);
    const watched = model('ETHUSDT', 3);
    allTopics(watched);
    model('BTCUSDT', 3).advance(T0 + 10_000, () => undefined);
    collect(watched, T0 + 10_000);
    quiet.advance(T0 + 10_000, () => undefined);
    expect(watched.orderbookView(200)).toEqual(quiet.orderbookView(200));
    expect(watched.recentTrades(50)).toEqual(quiet.recentTrades(50));
  });

  it('should keep u contiguous, seq increasing and the book uncrossed on every topic over thousands of pushes', () => {
    const sut = model('SOLUSDT', 11);
    allTopics(sut);
    const messages = collect(sut, T0 + 80_000);
    const byTopic = new Map<string, OrderbookMessage[]>();
    for (const m of messages) {
      if (!m.topic.startsWith('orderbook.')) continue;
      const list = byTopic.get(m.topic) ?? [];
      list.push(m as OrderbookMessage);
      byTopic.set(m.topic, list);
    }
    expect(byTopic.get('orderbook.50.SOLUSDT')!.length).toBeGreaterThan(3000);
    const minGap: Record<string, number> = {
      'orderbook.1.SOLUSDT': 10,
      'orderbook.50.SOLUSDT': 20,
      'orderbook.200.SOLUSDT': 100,
    };
    const violations: string[] = [];
    for (const [topic, list] of byTopic) {
      if (list[0].type !== 'snapshot') violations.push(`${topic}: first message is a ${list[0].type}`);
      for (let i = 1; i < list.length; i++) {
        const step = list[i].data.u - list[i - 1].data.u;
        // level 1 repeats its last snapshot with the same u after 3 s of silence
        const uOk = topic === 'orderbook.1.SOLUSDT' ? step === 1 || step === 0 : step === 1;
        if (!uOk) violations.push(`${topic}#${i}: u step ${step}`);
        if (list[i].data.seq <= list[i - 1].data.seq && step !== 0)
          violations.push(`${topic}#${i}: seq did not increase`);
        if (list[i].ts - list[i - 1].ts < minGap[topic]) violations.push(`${topic}#${i}: pushed too early`);
        if (topic === 'orderbook.1.SOLUSDT' && list[i].type !== 'snapshot')
          violations.push(`${topic}#${i}: level 1 sent a delta`);
      }
    }
    const reference = new ReferenceBook();
    for (const m of byTopic.get('orderbook.200.SOLUSDT')!) {
      reference.apply(m);
      let bestBid = -Infinity;
      let bestAsk = Infinity;
      for (const p of reference.bids.keys()) bestBid = Math.max(bestBid, Number(p));
      for (const p of reference.asks.keys()) bestAsk = Math.min(bestAsk, Number(p));
      if (bestBid >= bestAsk) violations.push(`crossed book published at u=${m.data.u}`);
    }
    expect(violations).toEqual([]);
  });

  it('should publish deltas that rebuild the model book top-N at every push when applied by a client', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom('BTCUSDT', 'XRPUSDT', 'ZZZUSDT'),
        (seed, symbol) => {
          const sut = model(symbol, seed, { episodeMeanGapMs: 5_000 });
          const refs = new Map<number, ReferenceBook>([
            [1, new ReferenceBook()],
            [50, new ReferenceBook()],
            [200, new ReferenceBook()],
          ]);
          for (const depth of refs.keys()) sut.open(`orderbook.${depth}.${symbol}`);
          let checked = 0;
          const mismatches: string[] = [];
          sut.advance(T0 + 4_000, (m) => {
            if (!m.topic.startsWith('orderbook.')) return;
            const depth = Number(m.topic.split('.')[1]);
            const ref = refs.get(depth)!;
            ref.apply(m as OrderbookMessage);
            // the sink runs inside the step, right after the push: the model's book is the published state
            const same =
              JSON.stringify(ref.levels('bid')) === JSON.stringify(topOf(sut, 'bid', depth)) &&
              JSON.stringify(ref.levels('ask')) === JSON.stringify(topOf(sut, 'ask', depth));
            if (!same) mismatches.push(`${m.topic} u=${(m as OrderbookMessage).data.u}`);
            checked++;
          });
          expect(mismatches).toEqual([]);
          expect(checked).toBeGreaterThan(200);
        },
      ),
      { numRuns: 5 },
    );
  });

  it('should reach top-5 imbalance of at least 0.75 and at most 0.25 within a simulated hour', () => {
    const sut = model('XRPUSDT', 5);
    let high = 0;
    let low = 1;
    let sinceEpisode = 0;
    for (let t = T0 + 100; t <= T0 + 3_600_000 && (high < 0.75 || low > 0.25); t += 100) {
      sut.advance(t, () => undefined);
      const imbalance = sut.book.imbalance(5);
      if (imbalance > high) high = imbalance;
      if (imbalance < low) low = imbalance;
      if (sut.state().episode !== 0) sinceEpisode++;
    }
    expect(high).toBeGreaterThanOrEqual(0.75);
    expect(low).toBeLessThanOrEqual(0.25);
    expect(sinceEpisode).toBeGreaterThan(0);
  });

  it('should shrink the traded level and emit Bybit-shaped trades when takers trade', () => {
    const sut = model('ETHUSDT', 21);
    sut.open('publicTrade.ETHUSDT');
    const consumed: string[] = [];
    let before = new Map<string, number>();
    const snapshotBook = (): Map<string, number> => {
      const map = new Map<string, number>();
      for (const side of ['bid', 'ask'] as const)
        for (const l of sut.book.top(side, 1000)) map.set(`${side}:${l.priceTicks}`, l.sizeLots);
      return map;
    };
    let trades = 0;
    for (let t = T0 + 10; t <= T0 + 30_000; t += 10) {
      before = snapshotBook();
      sut.advance(t, (m) => {
        const msg = m as PublicTradeMessage;
        for (const trade of msg.data) {
          trades++;
          expect(msg).toMatchObject({ topic: 'publicTrade.ETHUSDT', type: 'snapshot', ts: t });
          expect(trade).toMatchObject({ T: t, s: 'ETHUSDT', BT: false, RPI: false });
          expect(['Buy', 'Sell']).toContain(trade.S);
          expect(['PlusTick', 'ZeroPlusTick', 'MinusTick', 'ZeroMinusTick']).toContain(trade.L);
          const key = `${trade.S === 'Buy' ? 'ask' : 'bid'}:${toUnits(trade.p, '0.01')}`;
          const had = before.get(key) ?? 0;
          // the maker level existed before the step with at least the traded size
          expect(had).toBeGreaterThanOrEqual(toUnits(trade.v, '0.01'));
          consumed.push(key);
        }
      });
    }
    expect(trades).toBeGreaterThan(50);
    const recent = sut.recentTrades(3);
    expect(recent).toHaveLength(3);
    expect(Object.keys(recent[0])).toEqual([
      'execId',
      'symbol',
      'price',
      'size',
      'side',
      'time',
      'isBlockTrade',
      'isRPITrade',
      'seq',
    ]);
  });

  it('should leave less at a level when the matching engine consumes from the model book', () => {
    const sut = model('BTCUSDT', 2);
    sut.open('orderbook.50.BTCUSDT');
    sut.advance(T0 + 100, () => undefined);
    const ask = sut.book.bestAsk()!;
    const size = sut.book.sizeAt('ask', 0);
    expect(sut.book.consume('Buy', ask, 1)).toBe(1);
    expect(sut.book.sizeAtPrice('ask', ask)).toBe(size - 1);
    sut.recordExternalTrade('Buy', ask, 1, T0 + 105);
    const messages: PublicMessage[] = [];
    sut.open('publicTrade.BTCUSDT');
    sut.advance(T0 + 120, (m) => messages.push(m));
    const trade = messages.find((m) => m.topic === 'publicTrade.BTCUSDT') as PublicTradeMessage;
    expect(trade.data[0]).toMatchObject({ T: T0 + 105, S: 'Buy', p: sut.priceFormat.format(ask), v: '0.001' });
  });

  it('should build 1-minute klines whose OHLC and volume match the trades when minutes close', () => {
    const sut = model('XRPUSDT', 13);
    sut.open('publicTrade.XRPUSDT');
    sut.open('kline.1.XRPUSDT');
    const trades: PublicTradeMessage['data'] = [];
    const confirmed: KlineMessage['data'] = [];
    const updates: KlineMessage['data'] = [];
    sut.advance(T0 + 3 * 60_000 + 10, (m) => {
      if (m.topic.startsWith('publicTrade')) trades.push(...(m as PublicTradeMessage).data);
      else if (m.topic.startsWith('kline'))
        for (const k of (m as KlineMessage).data) (k.confirm ? confirmed : updates).push(k);
    });
    expect(confirmed.map((k) => k.start)).toEqual([T0, T0 + 60_000, T0 + 120_000]);
    expect(updates.length).toBeGreaterThan(170); // about one push per second
    for (const k of confirmed) {
      const inMinute = trades.filter((t) => t.T >= k.start && t.T <= k.end);
      expect(inMinute.length).toBeGreaterThan(0);
      const prices = inMinute.map((t) => toUnits(t.p, '0.0001'));
      expect(toUnits(k.open, '0.0001')).toBe(prices[0]);
      expect(toUnits(k.close, '0.0001')).toBe(prices[prices.length - 1]);
      expect(toUnits(k.high, '0.0001')).toBe(Math.max(...prices));
      expect(toUnits(k.low, '0.0001')).toBe(Math.min(...prices));
      expect(Number(k.volume)).toBe(inMinute.reduce((s, t) => s + Number(t.v), 0));
      expect(k).toMatchObject({ interval: '1', end: k.start + 59_999, confirm: true });
    }
    const rows = sut.klineRows(10);
    expect(rows[0][0]).toBe(String(T0 + 180_000));
    expect(rows[1]).toEqual([
      String(confirmed[2].start),
      confirmed[2].open,
      confirmed[2].high,
      confirmed[2].low,
      confirmed[2].close,
      confirmed[2].volume,
      confirmed[2].turnover,
    ]);
  });

  it('should serve 200 past candles ending at the start price when warmed up', () => {
    const sut = model('BTCUSDT', 1);
    sut.warmUp(T0 - 200 * 60_000, T0);
    const rows = sut.klineRows(201);
    expect(rows).toHaveLength(201);
    expect(rows[0][0]).toBe(String(T0)); // the running candle, newest first
    expect(rows[1][0]).toBe(String(T0 - 60_000));
    expect(rows[1][4]).toBe('96000.00'); // last warm-up close = start price
    expect(rows[200][0]).toBe(String(T0 - 200 * 60_000));
    const again = model('BTCUSDT', 1);
    again.warmUp(T0 - 200 * 60_000, T0);
    expect(again.klineRows(201)).toEqual(rows);
  });

  it('should send a full ticker snapshot then deltas with only changed fields when tickers are subscribed', () => {
    const sut = model('SOLUSDT', 4);
    sut.warmUp(T0 - 30 * 60_000, T0);
    const first = sut.snapshotFor('tickers.SOLUSDT') as TickerMessage;
    expect(first.type).toBe('snapshot');
    expect(Object.keys(first.data)).toHaveLength(21);
    const messages = collect(sut, T0 + 5_000).filter((m) => m.topic === 'tickers.SOLUSDT') as TickerMessage[];
    expect(messages.length).toBeGreaterThan(10);
    for (const m of messages) {
      expect(m.type).toBe('delta');
      expect(m.data.symbol).toBe('SOLUSDT');
      expect(Object.keys(m.data).length).toBeGreaterThan(1);
    }
    const view = sut.tickerView();
    expect(Number(view.bid1Price)).toBeLessThan(Number(view.ask1Price));
  });

  it('should inject a u gap, a u=1 reset snapshot and a pause when the fault hooks are used', () => {
    const sut = model('XRPUSDT', 9);
    const first = sut.snapshotFor('orderbook.50.XRPUSDT') as OrderbookMessage;
    expect(first.type).toBe('snapshot');
    const take = (toMs: number) =>
      collect(sut, toMs).filter((m): m is OrderbookMessage => m.topic === 'orderbook.50.XRPUSDT');
    let list = take(T0 + 1_000);
    expect(list[0].data.u).toBe(first.data.u + 1);
    expect(sut.forceGap('orderbook.50.XRPUSDT')).toBe(true);
    expect(sut.forceGap('orderbook.200.XRPUSDT')).toBe(false);
    const lastU = list[list.length - 1].data.u;
    list = take(T0 + 2_000);
    expect(list[0].data.u).toBe(lastU + 2);
    sut.forceResetSnapshot();
    list = take(T0 + 3_000);
    expect(list[0]).toMatchObject({ type: 'snapshot', data: { u: 1 } });
    expect(list[1].data.u).toBe(2);
    sut.pause();
    expect(take(T0 + 4_000)).toHaveLength(0);
    sut.resume();
    list = take(T0 + 4_100);
    expect(list[0].type).toBe('delta');
    expect(list[0].data.u).toBe(sut.orderbookSnapshot(50).data.u - list.length + 1);
  });

  it('should serve the REST orderbook and refuse unknown topics when asked by the transport', () => {
    const sut = model('BTCUSDT', 6);
    sut.advance(T0 + 1_000, () => undefined);
    const view = sut.orderbookView(25);
    expect(Object.keys(view)).toEqual(['s', 'b', 'a', 'ts', 'u', 'seq', 'cts']);
    expect(view.b).toHaveLength(25);
    expect(Number(view.b[0][0])).toBeLessThan(Number(view.a[0][0]));
    expect(Number(view.b[0][0])).toBeGreaterThan(Number(view.b[1][0]));
    expect(view.ts).toBe(T0 + 1_000);
    expect(sut.open('orderbook.25.BTCUSDT')).toBe(false);
    expect(sut.open('orderbook.50.ETHUSDT')).toBe(false);
    expect(sut.open('trade.BTCUSDT')).toBe(false);
  });
});
