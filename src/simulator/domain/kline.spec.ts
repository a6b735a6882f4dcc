import { generateWarmUpCandles, KlineSeries, klineRecord, type KlineFormatters } from './kline';
import { Prng } from './prng';
import { StepFormatter } from './sim-book-format';

const fmt: KlineFormatters = {
  price: new StepFormatter('0.10'),
  size: new StepFormatter('0.001'),
  turnover: new StepFormatter('0.0001'),
};
const T0 = 1_733_011_200_000;

describe(KlineSeries.name, () => {
  it('should open at the first trade and track high, low, close, volume and turnover when trades arrive', () => {
    const sut = new KlineSeries();
    sut.startAt(T0 + 5_000, 1000);
    sut.onTrade(1002, 3);
    sut.onTrade(998, 1);
    sut.onTrade(1001, 2);
    const c = sut.current!;
    expect(c).toMatchObject({
      start: T0,
      open: 1002,
      high: 1002,
      low: 998,
      close: 1001,
      volume: 6,
      turnover: 1002 * 3 + 998 + 1001 * 2,
    });
    expect(klineRecord(c, fmt, false, T0 + 7)).toEqual({
      start: T0,
      end: T0 + 59_999,
      interval: '1',
      open: '100.20',
      close: '100.10',
      high: '100.20',
      low: '99.80',
      volume: '0.006',
      turnover: '0.6006',
      confirm: false,
      timestamp: T0 + 7,
    });
  });

  it('should close candles and keep empty minutes flat at the last close when time passes', () => {
    const sut = new KlineSeries();
    sut.startAt(T0, 1000);
    sut.onTrade(1005, 1);
    const closed: number[] = [];
    sut.roll(T0 + 180_000, (c) => closed.push(c.start));
    expect(closed).toEqual([T0, T0 + 60_000, T0 + 120_000]);
    expect(sut.confirmed[1]).toMatchObject({ open: 1005, high: 1005, low: 1005, close: 1005, volume: 0 });
    const rows = sut.rows(fmt, 2);
    expect(rows.map((r) => r[0])).toEqual([String(T0 + 180_000), String(T0 + 120_000)]); // newest first, running one included
  });

  it('should generate deterministic warm-up candles ending at the live start price when asked for history', () => {
    const params = { regimeVolBpsPerSqrtSec: [0.3, 0.7, 1.8], meanRegimeMinutes: 5, meanVolumeLotsPerMinute: 1000 };
    const a = generateWarmUpCandles(Prng.from(1, 'BTCUSDT', 'warm-up'), T0 - 200 * 60_000, T0, 960_000, params);
    const b = generateWarmUpCandles(Prng.from(1, 'BTCUSDT', 'warm-up'), T0 - 200 * 60_000, T0, 960_000, params);
    expect(a).toEqual(b);
    expect(a).toHaveLength(200);
    expect(a[199].close).toBe(960_000);
    expect(a[199].start).toBe(T0 - 60_000);
    for (let i = 0; i < a.length; i++) {
      const c = a[i];
      expect(c.high).toBeGreaterThanOrEqual(Math.max(c.open, c.close));
      expect(c.low).toBeLessThanOrEqual(Math.min(c.open, c.close));
      if (i > 0) expect(c.open).toBe(a[i - 1].close);
    }
  });
});
