import { IndicatorCandle } from './indicator-candle';
import { RollingWindow } from './rolling-window';

/**
 * TA-Lib SMA(n) of close: mean of the last n closes. Lookback n − 1 (ready from the n-th candle).
 * Neutral during warm-up: the last close.
 */
export class Sma {
  private readonly window: RollingWindow;
  private current = 0;

  constructor(readonly period: number) {
    this.window = new RollingWindow(period);
  }

  get ready(): boolean {
    return this.window.full;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    this.window.push(candle.close);
    this.current = this.window.full ? this.window.sum / this.period : candle.close;
    return this.current;
  }
}
