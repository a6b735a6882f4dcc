import { IndicatorCandle } from './indicator-candle';

/**
 * Product definition (FEATURES.md #109, volume-price trend): VPT₀ = 0 at the first candle fed; then
 * VPT += V·(C − C₋₁)/C₋₁ (nothing added when C₋₁ = 0). Ready from the first candle; before any: 0.
 */
export class Vpt {
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
    if (this.started && this.previousClose !== 0) {
      this.current += (candle.volume * (candle.close - this.previousClose)) / this.previousClose;
    }
    this.started = true;
    this.previousClose = candle.close;
    return this.current;
  }
}
