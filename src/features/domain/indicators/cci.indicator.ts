import { IndicatorCandle, typicalPrice } from './indicator-candle';

/**
 * TA-Lib CCI(n), here n = 20 (TA-Lib's default is 14): (TP − SMA(TP))/(0.015·MD), MD = mean |TPᵢ − SMA(TP)| over
 * the same n candles; 0 when TP − SMA or MD is 0. The mean deviation depends on the current mean, so each candle
 * re-sums the n typical prices and their deviations: O(n) per candle, exactly as TA-Lib does, in TA-Lib's order
 * (circular-buffer slots 0…n−1, not oldest first). Lookback n − 1. Neutral during warm-up: 0.
 */
export class Cci {
  private readonly prices: Float64Array;
  private candles = 0;
  private current = 0;

  constructor(readonly period = 20) {
    if (!Number.isInteger(period) || period < 2)
      throw new RangeError(`CCI period must be an integer ≥ 2, got ${period}`);
    this.prices = new Float64Array(period);
  }

  get ready(): boolean {
    return this.candles >= this.period;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    const n = this.period;
    const last = typicalPrice(candle);
    this.prices[this.candles % n] = last;
    this.candles++;
    if (this.candles < n) return this.current;
    if (this.candles === 2 * n) this.candles = n; // keep the slot arithmetic bounded; readiness is unchanged
    let mean = 0;
    for (let j = 0; j < n; j++) mean += this.prices[j];
    mean /= n;
    let deviation = 0;
    for (let j = 0; j < n; j++) deviation += Math.abs(this.prices[j] - mean);
    const distance = last - mean;
    this.current = distance !== 0 && deviation !== 0 ? distance / (0.015 * (deviation / n)) : 0;
    return this.current;
  }
}
