import { Vpt } from './vpt.indicator';
import { expectMatchesGolden } from '../../../../test/support/talib-golden';

describe(Vpt.name, () => {
  it('should match the batch VPT within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new Vpt(), { vpt: (v) => v });
  });

  it('should not be ready when no candle has been fed', () => {
    const sut = new Vpt();
    expect(sut.ready).toBe(false);
    expect(Number.isFinite(sut.value)).toBe(true);
  });
});
