import { IndicatorCandle } from './indicator-candle';
import { RollingWindow } from './rolling-window';

export interface StochasticOutput {
  readonly k: number;
  readonly d: number;
}

const NEUTRAL: StochasticOutput = Object.freeze({ k: 50, d: 50 });

/**
 * TA-Lib STOCH(fastK, slowK SMA, slowD SMA), here 14/3/3 (TA-Lib's default fastK is 5):
 * fastK = (C − LL)/((HH − LL)/100), 0 when HH = LL (TA-Lib's exact arithmetic); k = SMA(fastK), d = SMA(k).
 * HH/LL scan the fastK-slot ring: O(fastK) per candle. Lookback (fastK − 1) + (slowK − 1) + (slowD − 1) = 17.
 * Neutral during warm-up: 50 for both.
 */
export class Stochastic {
  private readonly highs: RollingWindow;
  private readonly lows: RollingWindow;
  private readonly fastK: RollingWindow;
  private readonly slowK: RollingWindow;
  private current: StochasticOutput = NEUTRAL;

  constructor(
    readonly fastKPeriod = 14,
    readonly slowKPeriod = 3,
    readonly slowDPeriod = 3,
  ) {
    this.highs = new RollingWindow(fastKPeriod);
    this.lows = new RollingWindow(fastKPeriod);
    this.fastK = new RollingWindow(slowKPeriod);
    this.slowK = new RollingWindow(slowDPeriod);
  }

  get ready(): boolean {
    return this.slowK.full;
  }

  get value(): StochasticOutput {
    return this.current;
  }

  update(candle: IndicatorCandle): StochasticOutput {
    this.highs.push(candle.high);
    this.lows.push(candle.low);
    if (!this.highs.full) return this.current;
    const highest = this.highs.max();
    const lowest = this.lows.min();
    const diff = (highest - lowest) / 100;
    this.fastK.push(diff !== 0 ? (candle.close - lowest) / diff : 0);
    if (!this.fastK.full) return this.current;
    const k = this.fastK.sum / this.slowKPeriod;
    this.slowK.push(k);
    if (this.slowK.full) this.current = { k, d: this.slowK.sum / this.slowDPeriod };
    return this.current;
  }
}
