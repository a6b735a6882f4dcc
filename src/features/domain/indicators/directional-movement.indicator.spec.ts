import { DirectionalMovement } from './directional-movement.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(DirectionalMovement.name, () => {
  it('should match TA-Lib PLUS_DI/MINUS_DI(14) within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new DirectionalMovement(14), { plus_di: (o) => o.plusDi, minus_di: (o) => o.minusDi });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new DirectionalMovement(14);
    const candles = goldenCandles();
    for (let i = 0; i < 14; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toEqual({ plusDi: 0, minusDi: 0, adx: 0 });
    }
  });
});

describe(`${DirectionalMovement.name} ADX`, () => {
  it('should match TA-Lib ADX(14) from bar 27 when fed the fixture candles', () => {
    expectMatchesGolden(
      () => new DirectionalMovement(14),
      { adx: (o) => o.adx },
      (sut) => (sut as DirectionalMovement).adxReady,
    );
  });
});
