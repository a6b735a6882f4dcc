import { Atr } from './atr.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(Atr.name, () => {
  it('should match TA-Lib ATR(14) within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Atr(14), { atr_14: (v) => v });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new Atr(14);
    const candles = goldenCandles();
    for (let i = 0; i < 14; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toBe(0);
    }
  });
});
