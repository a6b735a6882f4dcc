import {
  inferGrid,
  inFilter,
  recordingFilterFrom,
  RecordingDecoder,
  RecordingError,
  type TradeBatch,
} from './recording';

describe('recording filters', () => {
  it('parses --symbols, --from and --to into a [from, to) window', () => {
    const filter = recordingFilterFrom({
      symbols: 'btcusdt, ETHUSDT',
      from: '2024-08-08T23:55:00Z',
      to: '1723161360000',
    });
    expect([...filter.symbols!]).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(filter.fromMs).toBe(Date.UTC(2024, 7, 8, 23, 55));
    expect(inFilter(filter, 'BTCUSDT', filter.fromMs!)).toBe(true);
    expect(inFilter(filter, 'BTCUSDT', 1723161360000)).toBe(false);
    expect(inFilter(filter, 'XRPUSDT', filter.fromMs!)).toBe(false);
    expect(recordingFilterFrom({})).toEqual({ symbols: undefined, fromMs: undefined, toMs: undefined });
  });

  it('names the bad option', () => {
    expect(() => recordingFilterFrom({ symbols: ' , ' })).toThrow(/--symbols/);
    expect(() => recordingFilterFrom({ from: 'soon' })).toThrow(/--from/);
    expect(() => recordingFilterFrom({ from: '2000', to: '1000' })).toThrow(RecordingError);
  });
});

describe('RecordingDecoder', () => {
  it('decodes trades onto the symbol grid and skips other topics', () => {
    const decoder = new RecordingDecoder();
    const got: Array<[number, number, number, number]> = [];
    const sink = {
      book: () => undefined,
      trades: (b: TradeBatch) => {
        for (let i = 0; i < b.count; i++) got.push([b.times[i], b.prices[i], b.sizes[i], b.sides[i]]);
      },
    };
    const trade = {
      topic: 'publicTrade.BTCUSDT',
      type: 'snapshot',
      ts: 10,
      data: [
        { T: 9, s: 'BTCUSDT', S: 'Sell', v: '0.015', p: '61762.50' },
        { T: 10, s: 'BTCUSDT', S: 'Buy', v: '1', p: '61762.6' },
      ],
    };
    expect(decoder.decode(trade, 1, sink)).toBe('trades');
    // BTCUSDT's known grid: tick 0.10, qty step 0.001
    expect(got).toEqual([
      [9, 617625, 15, -1],
      [10, 617626, 1000, 1],
    ]);
    expect(decoder.decode({ topic: 'tickers.BTCUSDT', ts: 11, data: {} }, 2, sink)).toBeUndefined();
    expect(decoder.skipped).toBe(1);
    expect(() => decoder.decode({ ...trade, data: [{ T: 1, S: 'Buy', v: '1', p: '61762.55' }] }, 3, sink)).toThrow(
      /line 3/,
    );
  });

  it('infers the finest grid of an unknown symbol from its first message', () => {
    expect(inferGrid({ data: { b: [['0.12345', '10']], a: [['0.1235', '2.5']] } })).toEqual({
      tickSize: '0.00001',
      qtyStep: '0.1',
    });
  });
});
