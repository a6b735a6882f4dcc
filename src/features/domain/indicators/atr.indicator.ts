import { IndicatorCandle, trueRange } from './indicator-candle';

/**
 * TA-Lib ATR(n): TR from the second candle (TR needs C₋₁); first ATR, at candle n, = mean(TR₁…TRₙ); then Wilder
 * a = (a·(n−1) + TR)/n. Lookback n. Neutral during warm-up: 0.
 */
export class Atr {
  private previousClose = 0;
  private candles = 0;
  private average = 0;
  private current = 0;

  constructor(readonly period = 14) {}

  get ready(): boolean {
    return this.candles > this.period;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    const index = this.candles++;
    const previousClose = this.previousClose;
    this.previousClose = candle.close;
    if (index === 0) return this.current;
    const tr = trueRange(candle.high, candle.low, previousClose);
    const n = this.period;
    if (index < n) {
      this.average += tr;
      return this.current;
    }
    if (index === n) {
      this.average = (this.average + tr) / n;
    } else {
      this.average *= n - 1;
      this.average += tr;
      this.average /= n;
    }
    this.current = this.average;
    return this.current;
  }
}
