import { ExponentialAverage } from './exponential-average';
import { IndicatorCandle } from './indicator-candle';

/**
 * TA-Lib EMA(n) of close: seeded with the mean of the first n closes, then e = (C − e)·2/(n+1) + e.
 * Lookback n − 1. Neutral during warm-up: the last close.
 */
export class Ema {
  private readonly average: ExponentialAverage;
  private current = 0;

  constructor(readonly period: number) {
    this.average = new ExponentialAverage(period);
  }

  get ready(): boolean {
    return this.average.ready;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    const value = this.average.push(candle.close);
    this.current = this.average.ready ? value : candle.close;
    return this.current;
  }
}
