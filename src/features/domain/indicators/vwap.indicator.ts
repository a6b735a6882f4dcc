import { IndicatorCandle, typicalPrice } from './indicator-candle';

const DAY_MS = 86_400_000;

/**
 * Product definition (FEATURES.md #106): Σ TP·V / Σ V over the closed candles of the current UTC day, the day
 * taken from the candle's open time; resets at 00:00 UTC; the close when Σ V = 0. Ready from the first candle.
 */
export class Vwap {
  private day = Number.NaN;
  private priceVolume = 0;
  private volume = 0;
  private started = false;
  private current = 0;

  get ready(): boolean {
    return this.started;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    this.started = true;
    const day = Math.floor(candle.openTimeMs / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.priceVolume = 0;
      this.volume = 0;
    }
    this.priceVolume += typicalPrice(candle) * candle.volume;
    this.volume += candle.volume;
    this.current = this.volume > 0 ? this.priceVolume / this.volume : candle.close;
    return this.current;
  }
}
