import { Sma } from './sma.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(Sma.name, () => {
  it('should match TA-Lib SMA 10/20/50 within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Sma(10), { sma_10: (v) => v });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new Sma(10);
    const candles = goldenCandles();
    for (let i = 0; i < 9; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toBe(candles[i].close);
    }
  });
});

describe(`${Sma.name} periods`, () => {
  it.each([20, 50])('should match TA-Lib SMA(%i) when fed the fixture candles', (period) => {
    expectMatchesGolden(() => new Sma(period), { [`sma_${period}`]: (v: number) => v });
  });
});
