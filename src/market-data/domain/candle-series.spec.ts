import { Candle, CandleSeries } from './candle-series';

const candle = (minute: number, close = 100): Candle => ({
  openTimeMs: minute * 60_000,
  open: close,
  high: close + 1,
  low: close - 1,
  close,
  volume: 2,
  turnover: 2 * close,
});

describe(CandleSeries.name, () => {
  it('should append closed candles in order and ignore the REST/WS overlap', () => {
    const sut = new CandleSeries('BTCUSDT', 10);
    expect(sut.appendClosed(candle(1))).toBe('appended');
    expect(sut.appendClosed(candle(2))).toBe('appended');
    expect(sut.appendClosed(candle(2))).toBe('duplicate');
    expect(sut.appendClosed(candle(1))).toBe('out-of-order');
    expect(sut.appendClosed(candle(4))).toBe('gap-filled');
    expect(sut.history().map((c) => c.openTimeMs / 60_000)).toEqual([1, 2, 4]);
  });

  it('should keep only the newest candles once full, oldest first', () => {
    const sut = new CandleSeries('BTCUSDT', 3);
    for (let m = 1; m <= 5; m++) sut.appendClosed(candle(m, 100 + m));
    expect(sut.length).toBe(3);
    expect(sut.history().map((c) => c.close)).toEqual([103, 104, 105]);
    expect(sut.history(2).map((c) => c.close)).toEqual([104, 105]);
    expect(sut.last?.close).toBe(105);
  });

  it('should track the forming candle until a closed one at or after it arrives', () => {
    const sut = new CandleSeries('BTCUSDT', 3);
    sut.appendClosed(candle(1));
    sut.updateLive(candle(2, 101));
    expect(sut.current?.close).toBe(101);
    sut.updateLive(candle(1, 99)); // a late update of a closed minute is not the live candle
    expect(sut.current?.close).toBe(101);
    sut.appendClosed(candle(2, 102));
    expect(sut.current).toBeUndefined();
  });
});
