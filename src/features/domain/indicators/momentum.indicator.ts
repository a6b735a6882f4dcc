import { IndicatorCandle } from './indicator-candle';
import { RollingWindow } from './rolling-window';

/** TA-Lib MOM(n): C − C₋ₙ. Lookback n. Neutral during warm-up: 0. */
export class Momentum {
  private readonly closes: RollingWindow;
  private current = 0;

  constructor(readonly period = 10) {
    this.closes = new RollingWindow(period + 1);
  }

  get ready(): boolean {
    return this.closes.full;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    this.closes.push(candle.close);
    if (this.closes.full) this.current = candle.close - this.closes.at(this.period);
    return this.current;
  }
}
