import { IndicatorCandle } from './indicator-candle';

/**
 * Product definition (FEATURES.md #110, negative volume index): NVI₀ = 1000 at the first candle fed; when
 * V < V₋₁, NVI ×= C/C₋₁ (unchanged when C₋₁ = 0); otherwise unchanged. Ready from the first candle; before any: 1000.
 */
export class Nvi {
  private started = false;
  private previousClose = 0;
  private previousVolume = 0;
  private current = 1000;

  get ready(): boolean {
    return this.started;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    if (this.started && candle.volume < this.previousVolume && this.previousClose !== 0) {
      this.current = (this.current * candle.close) / this.previousClose;
    }
    this.started = true;
    this.previousClose = candle.close;
    this.previousVolume = candle.volume;
    return this.current;
  }
}
