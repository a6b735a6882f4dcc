import { Roc } from './roc.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(Roc.name, () => {
  it('should match TA-Lib ROC(10) within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Roc(10), { roc: (v) => v });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new Roc(10);
    const candles = goldenCandles();
    for (let i = 0; i < 10; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toBe(0);
    }
  });
});
