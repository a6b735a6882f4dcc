import { Ema } from './ema.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(Ema.name, () => {
  it('should match TA-Lib EMA 10/20/50 within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Ema(10), { ema_10: (v) => v });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new Ema(10);
    const candles = goldenCandles();
    for (let i = 0; i < 9; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toBe(candles[i].close);
    }
  });
});

describe(`${Ema.name} periods`, () => {
  it.each([20, 50])('should match TA-Lib EMA(%i) when fed the fixture candles', (period) => {
    expectMatchesGolden(() => new Ema(period), { [`ema_${period}`]: (v: number) => v });
  });
});
