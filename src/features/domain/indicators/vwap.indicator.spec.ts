import { Vwap } from './vwap.indicator';
import { expectMatchesGolden } from '../../../../test/support/talib-golden';

describe(Vwap.name, () => {
  it('should match the batch UTC-day VWAP within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Vwap(), { vwap: (v) => v });
  });

  it('should not be ready when no candle has been fed', () => {
    const sut = new Vwap();
    expect(sut.ready).toBe(false);
    expect(Number.isFinite(sut.value)).toBe(true);
  });
});
