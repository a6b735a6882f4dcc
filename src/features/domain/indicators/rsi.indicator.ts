import { IndicatorCandle, isTaZero } from './indicator-candle';

/**
 * TA-Lib RSI(n) of close (default compatibility, not Metastock): AG, AL = Wilder averages of close-to-close gains
 * and losses, seeded with the plain mean of changes 1…n, then a = (a·(n−1) + x)/n; RSI = 100·AG/(AG + AL), 0 when
 * |AG + AL| < 1e-14 (TA-Lib's guard). Lookback n. Neutral during warm-up: 50.
 */
export class Rsi {
  private started = false;
  private previousClose = 0;
  private changes = 0;
  private averageGain = 0;
  private averageLoss = 0;
  private current = 50;

  constructor(readonly period = 14) {}

  get ready(): boolean {
    return this.changes >= this.period;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    const close = candle.close;
    if (!this.started) {
      this.started = true;
      this.previousClose = close;
      return this.current;
    }
    const change = close - this.previousClose;
    this.previousClose = close;
    const n = this.period;
    if (this.changes < n) {
      if (change < 0) this.averageLoss -= change;
      else this.averageGain += change;
      this.changes++;
      if (this.changes < n) return this.current;
      this.averageLoss /= n;
      this.averageGain /= n;
    } else {
      this.averageLoss *= n - 1;
      this.averageGain *= n - 1;
      if (change < 0) this.averageLoss -= change;
      else this.averageGain += change;
      this.averageLoss /= n;
      this.averageGain /= n;
    }
    const total = this.averageGain + this.averageLoss;
    this.current = isTaZero(total) ? 0 : 100 * (this.averageGain / total);
    return this.current;
  }
}
