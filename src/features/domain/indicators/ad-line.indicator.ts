import { IndicatorCandle } from './indicator-candle';

/**
 * TA-Lib AD (Chaikin accumulation/distribution line): AD += (((C − L) − (H − C))/(H − L))·V, nothing added when
 * H − L ≤ 0; starts from 0 before the first candle fed. Lookback 0; before any candle: 0.
 */
export class AdLine {
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
    const { high, low, close } = candle;
    const range = high - low;
    if (range > 0) this.current += ((close - low - (high - close)) / range) * candle.volume;
    return this.current;
  }
}
