import { WilliamsR } from './williams-r.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(WilliamsR.name, () => {
  it('should match TA-Lib WILLR(14) within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new WilliamsR(14), { williams_r: (v) => v });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new WilliamsR(14);
    const candles = goldenCandles();
    for (let i = 0; i < 13; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toBe(-50);
    }
  });
});
