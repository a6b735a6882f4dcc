import { Macd } from './macd.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(Macd.name, () => {
  it('should match TA-Lib MACD(12,26,9) within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Macd(12, 26, 9), {
      macd: (o) => o.macd,
      macd_signal: (o) => o.signal,
      macd_histogram: (o) => o.histogram,
    });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new Macd(12, 26, 9);
    const candles = goldenCandles();
    for (let i = 0; i < 33; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toEqual({ macd: 0, signal: 0, histogram: 0 });
    }
  });
});
