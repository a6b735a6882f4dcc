import { IndicatorCandle } from './indicator-candle';
import { RollingWindow } from './rolling-window';

/**
 * TA-Lib WILLR(n): (HH − C)/((HH − LL)/−100), i.e. −100·(HH − C)/(HH − LL); 0 when HH = LL (TA-Lib's guard).
 * HH/LL scan the n-slot ring: O(n). Lookback n − 1. Neutral during warm-up: −50.
 */
export class WilliamsR {
  private readonly highs: RollingWindow;
  private readonly lows: RollingWindow;
  private current = -50;

  constructor(readonly period = 14) {
    this.highs = new RollingWindow(period);
    this.lows = new RollingWindow(period);
  }

  get ready(): boolean {
    return this.highs.full;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    this.highs.push(candle.high);
    this.lows.push(candle.low);
    if (!this.highs.full) return this.current;
    const highest = this.highs.max();
    const diff = (highest - this.lows.min()) / -100;
    this.current = diff !== 0 ? (highest - candle.close) / diff : 0;
    return this.current;
  }
}
