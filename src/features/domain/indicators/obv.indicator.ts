import { IndicatorCandle } from './indicator-candle';

/**
 * TA-Lib OBV: starts at V₀ (not 0); then ±V by the sign of C − C₋₁, unchanged when equal. Anchored at the first
 * candle fed. Lookback 0 (ready from the first candle); before any candle: 0.
 */
export class Obv {
  private started = false;
  private previousClose = 0;
  private current = 0;

  get ready(): boolean {
    return this.started;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    if (!this.started) {
      this.started = true;
      this.current = candle.volume;
    } else if (candle.close > this.previousClose) {
      this.current += candle.volume;
    } else if (candle.close < this.previousClose) {
      this.current -= candle.volume;
    }
    this.previousClose = candle.close;
    return this.current;
  }
}
