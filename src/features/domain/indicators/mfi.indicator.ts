import { IndicatorCandle, typicalPrice } from './indicator-candle';
import { RollingWindow } from './rolling-window';

/**
 * TA-Lib MFI(n): raw money flow TP·V goes to the positive side when TP rose against the candle before, to the
 * negative side when it fell, to neither when equal; MFI = 100·pos/(pos + neg) over the last n flows (candles
 * 1…n for the first value). TA-Lib's guard is kept to match the oracle: 0 when pos + neg < 1.0.
 * Lookback n. Neutral during warm-up: 50.
 */
export class Mfi {
  private readonly positive: RollingWindow;
  private readonly negative: RollingWindow;
  private started = false;
  private previousTypical = 0;
  private current = 50;

  constructor(readonly period = 14) {
    this.positive = new RollingWindow(period);
    this.negative = new RollingWindow(period);
  }

  get ready(): boolean {
    return this.positive.full;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    const typical = typicalPrice(candle);
    if (!this.started) {
      this.started = true;
      this.previousTypical = typical;
      return this.current;
    }
    const change = typical - this.previousTypical;
    this.previousTypical = typical;
    const flow = typical * candle.volume;
    this.positive.push(change > 0 ? flow : 0);
    this.negative.push(change < 0 ? flow : 0);
    if (!this.positive.full) return this.current;
    const total = this.positive.sum + this.negative.sum;
    this.current = total < 1 ? 0 : 100 * (this.positive.sum / total);
    return this.current;
  }
}
