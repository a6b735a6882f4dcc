import { CandleBuilder } from './candle-builder';

describe('CandleBuilder (1-minute candles from trades)', () => {
  it('closes a candle on the first trade of a later minute, with OHLC, volume and turnover', () => {
    const b = new CandleBuilder();
    expect(b.onTrade(60_000, 10, 1)).toBeUndefined();
    expect(b.onTrade(60_500, 12, 2)).toBeUndefined();
    expect(b.onTrade(119_999, 9, 1)).toBeUndefined();
    expect(b.onTrade(30_000, 100, 1)).toBeUndefined(); // late trade of a closed minute: ignored
    expect(b.onTrade(180_000, 11, 1)).toEqual({
      openTimeMs: 60_000,
      open: 10,
      high: 12,
      low: 9,
      close: 9,
      volume: 4,
      turnover: 10 + 24 + 9,
    });
  });
});
