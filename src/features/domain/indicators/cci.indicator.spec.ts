import { Cci } from './cci.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(Cci.name, () => {
  it('should match TA-Lib CCI(20) within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Cci(20), { cci: (v) => v });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new Cci(20);
    const candles = goldenCandles();
    for (let i = 0; i < 19; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toBe(0);
    }
  });
});
