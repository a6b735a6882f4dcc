import { Stochastic } from './stochastic.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(Stochastic.name, () => {
  it('should match TA-Lib STOCH(14, 3 SMA, 3 SMA) within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Stochastic(14, 3, 3), { stochastic_k: (o) => o.k, stochastic_d: (o) => o.d });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new Stochastic(14, 3, 3);
    const candles = goldenCandles();
    for (let i = 0; i < 17; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toEqual({ k: 50, d: 50 });
    }
  });
});
