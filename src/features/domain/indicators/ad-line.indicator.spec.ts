import { AdLine } from './ad-line.indicator';
import { expectMatchesGolden } from '../../../../test/support/talib-golden';

describe(AdLine.name, () => {
  it('should match TA-Lib AD within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new AdLine(), { ad_line: (v) => v });
  });

  it('should not be ready when no candle has been fed', () => {
    const sut = new AdLine();
    expect(sut.ready).toBe(false);
    expect(Number.isFinite(sut.value)).toBe(true);
  });
});
