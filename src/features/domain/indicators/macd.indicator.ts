import { ExponentialAverage } from './exponential-average';
import { IndicatorCandle } from './indicator-candle';

export interface MacdOutput {
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

const NEUTRAL: MacdOutput = Object.freeze({ macd: 0, signal: 0, histogram: 0 });

/**
 * TA-Lib MACD(fast, slow, signal) of close, TA_INT_MACD's own alignment: both EMAs produce their first value at
 * index slow − 1, so the fast EMA is seeded with the mean of closes (slow − fast)…(slow − 1), not the first
 * `fast` closes; the signal EMA is seeded with the mean of the first `signal` MACD values. k = 2/(n+1) for all
 * three. Lookback (slow − 1) + (signal − 1) = 33 for 12/26/9. Neutral during warm-up: 0 for all three.
 */
export class Macd {
  private readonly fastAverage: ExponentialAverage;
  private readonly slowAverage: ExponentialAverage;
  private readonly signalAverage: ExponentialAverage;
  private index = 0;
  private current: MacdOutput = NEUTRAL;

  constructor(
    readonly fastPeriod = 12,
    readonly slowPeriod = 26,
    readonly signalPeriod = 9,
  ) {
    if (fastPeriod >= slowPeriod) throw new RangeError('MACD fast period must be shorter than the slow period');
    this.fastAverage = new ExponentialAverage(fastPeriod);
    this.slowAverage = new ExponentialAverage(slowPeriod);
    this.signalAverage = new ExponentialAverage(signalPeriod);
  }

  get ready(): boolean {
    return this.signalAverage.ready;
  }

  get value(): MacdOutput {
    return this.current;
  }

  update(candle: IndicatorCandle): MacdOutput {
    const index = this.index++;
    this.slowAverage.push(candle.close);
    if (index >= this.slowPeriod - this.fastPeriod) this.fastAverage.push(candle.close);
    if (!this.slowAverage.ready) return this.current;
    const macd = this.fastAverage.value - this.slowAverage.value;
    const signal = this.signalAverage.push(macd);
    if (this.signalAverage.ready) this.current = { macd, signal, histogram: macd - signal };
    return this.current;
  }
}
