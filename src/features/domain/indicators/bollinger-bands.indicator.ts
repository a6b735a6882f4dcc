import { IndicatorCandle, isTaZeroOrNegative } from './indicator-candle';
import { RollingWindow } from './rolling-window';

export interface BollingerBandsOutput {
  readonly upper: number;
  readonly middle: number;
  readonly lower: number;
  /** (upper − lower)/middle; 0 when middle = 0 (product-derived, not TA-Lib). */
  readonly width: number;
  /** (C − lower)/(upper − lower); 0.5 when upper = lower (product-derived, not TA-Lib). */
  readonly percentB: number;
}

/**
 * TA-Lib BBANDS(n, k, k, SMA), here 20/2/2 (TA-Lib's default period is 5): middle = SMA(C); σ = √(Σx²/n − middle²),
 * the population deviation from running sums as TA_INT_stddev_using_precalc_ma does, 0 when the variance
 * < 1e-14; bands middle ± k·σ. Lookback n − 1. Neutral during warm-up: the close for the three bands,
 * width 0, percentB 0.5.
 */
export class BollingerBands {
  private readonly closes: RollingWindow;
  private current: BollingerBandsOutput = Object.freeze({ upper: 0, middle: 0, lower: 0, width: 0, percentB: 0.5 });

  constructor(
    readonly period = 20,
    readonly deviations = 2,
  ) {
    this.closes = new RollingWindow(period, true);
  }

  get ready(): boolean {
    return this.closes.full;
  }

  get value(): BollingerBandsOutput {
    return this.current;
  }

  update(candle: IndicatorCandle): BollingerBandsOutput {
    const close = candle.close;
    this.closes.push(close);
    if (!this.closes.full) {
      this.current = { upper: close, middle: close, lower: close, width: 0, percentB: 0.5 };
      return this.current;
    }
    const middle = this.closes.sum / this.period;
    const variance = this.closes.sumOfSquares / this.period - middle * middle;
    const sigma = isTaZeroOrNegative(variance) ? 0 : Math.sqrt(variance);
    const offset = sigma * this.deviations;
    const upper = middle + offset;
    const lower = middle - offset;
    this.current = {
      upper,
      middle,
      lower,
      width: middle !== 0 ? (upper - lower) / middle : 0,
      percentB: upper !== lower ? (close - lower) / (upper - lower) : 0.5,
    };
    return this.current;
  }
}
