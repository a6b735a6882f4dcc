import { Obv } from './obv.indicator';
import { expectMatchesGolden } from '../../../../test/support/talib-golden';

describe(Obv.name, () => {
  it('should match TA-Lib OBV within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Obv(), { obv: (v) => v });
  });

  it('should not be ready when no candle has been fed', () => {
    const sut = new Obv();
    expect(sut.ready).toBe(false);
    expect(Number.isFinite(sut.value)).toBe(true);
  });
});
