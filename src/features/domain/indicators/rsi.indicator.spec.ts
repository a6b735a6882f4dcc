import { Rsi } from './rsi.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(Rsi.name, () => {
  it('should match TA-Lib RSI(14) within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Rsi(14), { rsi_14: (v) => v });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new Rsi(14);
    const candles = goldenCandles();
    for (let i = 0; i < 14; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toBe(50);
    }
  });
});

describe(`${Rsi.name} period 28`, () => {
  it('should match TA-Lib RSI(28) when fed the fixture candles', () => {
    expectMatchesGolden(() => new Rsi(28), { rsi_28: (v) => v });
  });

  it('should give 0 like TA-Lib when the close never changes', () => {
    const sut = new Rsi(14);
    let output = NaN;
    for (let i = 0; i < 20; i++)
      output = sut.update({ openTimeMs: i * 60_000, open: 1, high: 1, low: 1, close: 1, volume: 1 });
    expect(sut.ready).toBe(true);
    expect(output).toBe(0);
  });
});
