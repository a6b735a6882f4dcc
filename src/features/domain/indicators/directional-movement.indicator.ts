import { IndicatorCandle, isTaZero, trueRange } from './indicator-candle';

export interface DirectionalMovementOutput {
  /** PLUS_DI(n), 0…100; ready from candle n. */
  readonly plusDi: number;
  /** MINUS_DI(n), 0…100; ready from candle n. */
  readonly minusDi: number;
  /** ADX(n), 0…100; ready from candle 2n − 1. */
  readonly adx: number;
}

/**
 * TA-Lib PLUS_DI, MINUS_DI and ADX (all period n) from one set of Wilder sums, as TA_ADX / TA_PLUS_DI compute them:
 * - one-bar DM: up = Hₜ − Hₜ₋₁, dn = Lₜ₋₁ − Lₜ; −DM = dn if dn > 0 and dn > up, +DM = up if up > 0 and up > dn;
 * - sums seeded with the plain sum over bars 1…n−1, then from bar n S = S − S/n + x;
 * - DI = 100·(S_DM/S_TR), 0 when |S_TR| < 1e-14; DX = 100·(|−DI − +DI|/(−DI + +DI));
 * - first ADX (bar 2n − 1) = mean DX of bars n…2n−1 (a bar with a zero TR sum or DI sum adds 0), then Wilder
 *   ADX = (ADX·(n−1) + DX)/n, left unchanged on a bar whose TR sum or DI sum is zero (TA-Lib's behaviour).
 * TA-Lib's round_pos is compiled as the identity in these functions, so nothing is rounded.
 * Neutral during warm-up: 0 for all three; `ready` is the DI readiness, `adxReady` the ADX one.
 */
export class DirectionalMovement {
  private index = 0;
  private previousHigh = 0;
  private previousLow = 0;
  private previousClose = 0;
  private plusDm = 0;
  private minusDm = 0;
  private trSum = 0;
  private dxSum = 0;
  private adx = 0;
  private current: DirectionalMovementOutput = Object.freeze({ plusDi: 0, minusDi: 0, adx: 0 });

  constructor(readonly period = 14) {
    if (!Number.isInteger(period) || period < 2)
      throw new RangeError(`DM period must be an integer ≥ 2, got ${period}`);
  }

  get ready(): boolean {
    return this.index > this.period;
  }

  get adxReady(): boolean {
    return this.index >= 2 * this.period;
  }

  get value(): DirectionalMovementOutput {
    return this.current;
  }

  update(candle: IndicatorCandle): DirectionalMovementOutput {
    const index = this.index++;
    const { high, low } = candle;
    const up = high - this.previousHigh;
    const down = this.previousLow - low;
    const previousClose = this.previousClose;
    this.previousHigh = high;
    this.previousLow = low;
    this.previousClose = candle.close;
    if (index === 0) return this.current;

    const n = this.period;
    const plus = up > 0 && up > down ? up : 0;
    const minus = down > 0 && down > up ? down : 0;
    const tr = trueRange(high, low, previousClose);
    if (index < n) {
      this.plusDm += plus;
      this.minusDm += minus;
      this.trSum += tr;
      return this.current;
    }
    this.plusDm = this.plusDm - this.plusDm / n + plus;
    this.minusDm = this.minusDm - this.minusDm / n + minus;
    this.trSum = this.trSum - this.trSum / n + tr;

    let plusDi = 0;
    let minusDi = 0;
    let dx: number | null = null;
    if (!isTaZero(this.trSum)) {
      plusDi = 100 * (this.plusDm / this.trSum);
      minusDi = 100 * (this.minusDm / this.trSum);
      const diSum = minusDi + plusDi;
      if (!isTaZero(diSum)) dx = 100 * (Math.abs(minusDi - plusDi) / diSum);
    }
    const lastSeedBar = 2 * n - 1;
    if (index < lastSeedBar) {
      if (dx !== null) this.dxSum += dx;
    } else if (index === lastSeedBar) {
      if (dx !== null) this.dxSum += dx;
      this.adx = this.dxSum / n;
    } else if (dx !== null) {
      this.adx = (this.adx * (n - 1) + dx) / n;
    }
    this.current = { plusDi, minusDi, adx: index >= lastSeedBar ? this.adx : 0 };
    return this.current;
  }
}
