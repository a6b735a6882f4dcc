import { Nvi } from './nvi.indicator';
import { expectMatchesGolden } from '../../../../test/support/talib-golden';

describe(Nvi.name, () => {
  it('should match the batch NVI within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Nvi(), { nvi: (v) => v });
  });

  it('should not be ready when no candle has been fed', () => {
    const sut = new Nvi();
    expect(sut.ready).toBe(false);
    expect(Number.isFinite(sut.value)).toBe(true);
  });
});
