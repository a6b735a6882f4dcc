import { Atr } from './atr.indicator';
import { Ema } from './ema.indicator';
import { IndicatorCandle } from './indicator-candle';

export interface KeltnerChannelOutput {
  readonly upper: number;
  readonly lower: number;
}

/**
 * Product definition (FEATURES.md #103–104, modern form, not Keltner's 1960 SMA(TP) ± SMA(H − L)):
 * EMA(20) of close ± 2·ATR(10), both by TA-Lib's rules. Ready when both are (candle 19).
 * Neutral during warm-up: the close for both.
 */
export class KeltnerChannel {
  private readonly ema: Ema;
  private readonly atr: Atr;
  private current: KeltnerChannelOutput = Object.freeze({ upper: 0, lower: 0 });

  constructor(
    readonly emaPeriod = 20,
    readonly atrPeriod = 10,
    readonly multiplier = 2,
  ) {
    this.ema = new Ema(emaPeriod);
    this.atr = new Atr(atrPeriod);
  }

  get ready(): boolean {
    return this.ema.ready && this.atr.ready;
  }

  get value(): KeltnerChannelOutput {
    return this.current;
  }

  update(candle: IndicatorCandle): KeltnerChannelOutput {
    const middle = this.ema.update(candle);
    const range = this.atr.update(candle);
    this.current = this.ready
      ? { upper: middle + this.multiplier * range, lower: middle - this.multiplier * range }
      : { upper: candle.close, lower: candle.close };
    return this.current;
  }
}
