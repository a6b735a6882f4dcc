import { IndicatorCandle } from './indicator-candle';
import { RollingWindow } from './rolling-window';

/** TA-Lib ROC(n): ((C/C₋ₙ) − 1)·100, 0 when C₋ₙ = 0. Lookback n. Neutral during warm-up: 0. */
export class Roc {
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
    if (!this.closes.full) return this.current;
    const past = this.closes.at(this.period);
    this.current = past !== 0 ? (candle.close / past - 1) * 100 : 0;
    return this.current;
  }
}
