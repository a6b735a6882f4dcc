import { BollingerBands } from './bollinger-bands.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(BollingerBands.name, () => {
  it('should match TA-Lib BBANDS(20,2,2,SMA) and the derived width/pct within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(
      () => new BollingerBands(20, 2),
      {
        bollinger_upper: (o) => o.upper,
        bollinger_middle: (o) => o.middle,
        bollinger_lower: (o) => o.lower,
        bollinger_width: (o) => o.width,
        bollinger_pct: (o) => o.percentB,
      },
      undefined,
      // %B = (C − lower)/(upper − lower) amplifies the bands' rounding noise by C/(upper − lower) (≈ 500 here):
      // TA-Lib's running Σx² drifts by ≈ 4e-7 USDT on the bands (7e-12 relative), which moves %B by up to 3.5e-9.
      { bollinger_pct: 1e-8 },
    );
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new BollingerBands(20, 2);
    const candles = goldenCandles();
    for (let i = 0; i < 19; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toEqual({
        upper: candles[i].close,
        middle: candles[i].close,
        lower: candles[i].close,
        width: 0,
        percentB: 0.5,
      });
    }
  });
});
