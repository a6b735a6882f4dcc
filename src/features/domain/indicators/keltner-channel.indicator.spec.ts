import { KeltnerChannel } from './keltner-channel.indicator';
import { expectMatchesGolden, goldenCandles } from '../../../../test/support/talib-golden';

describe(KeltnerChannel.name, () => {
  it('should match EMA(20) ± 2·ATR(10) built from TA-Lib EMA and ATR within 1e-9·max(|golden|, 1) from its lookback when fed the fixture candles', () => {
    expectMatchesGolden(() => new KeltnerChannel(20, 10, 2), {
      keltner_upper: (o) => o.upper,
      keltner_lower: (o) => o.lower,
    });
  });

  it('should show the neutral value and not be ready when still inside the warm-up', () => {
    const sut = new KeltnerChannel(20, 10, 2);
    const candles = goldenCandles();
    for (let i = 0; i < 19; i++) {
      const output = sut.update(candles[i]);
      expect(sut.ready).toBe(false);
      expect(output).toEqual({ upper: candles[i].close, lower: candles[i].close });
    }
  });
});
