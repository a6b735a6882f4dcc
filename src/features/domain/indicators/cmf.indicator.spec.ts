import { Cmf } from './cmf.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(Cmf.name, () => {
  it('should match the batch two-pass CMF(20) within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Cmf(20), { cmf: (v) => v });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new Cmf(20);
    const candles = goldenCandles();
    for (let i = 0; i < 19; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toBe(0);
    }
  });
});
