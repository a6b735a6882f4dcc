import { closeLocationValue, IndicatorCandle } from './indicator-candle';
import { RollingWindow } from './rolling-window';

/**
 * Product definition (FEATURES.md #108, Chaikin money flow): Σₙ CLV·V / Σₙ V over the last n = 20 candles,
 * CLV = ((C − L) − (H − C))/(H − L), 0 when H = L; 0 when Σ V = 0. Lookback n − 1. Neutral during warm-up: 0.
 */
export class Cmf {
  private readonly flows: RollingWindow;
  private readonly volumes: RollingWindow;
  private current = 0;

  constructor(readonly period = 20) {
    this.flows = new RollingWindow(period);
    this.volumes = new RollingWindow(period);
  }

  get ready(): boolean {
    return this.volumes.full;
  }

  get value(): number {
    return this.current;
  }

  update(candle: IndicatorCandle): number {
    this.flows.push(closeLocationValue(candle) * candle.volume);
    this.volumes.push(candle.volume);
    if (this.volumes.full) this.current = this.volumes.sum > 0 ? this.flows.sum / this.volumes.sum : 0;
    return this.current;
  }
}
