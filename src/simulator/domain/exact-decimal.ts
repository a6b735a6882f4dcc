/**
 * Exact decimal arithmetic for money (fees, PnL, balances, margins) in the simulator.
 *
 * Prices and sizes live as integer ticks and lots (common/ticks.ts), but money is a product of them with decimal
 * steps and fee rates, so it needs more decimals than either. A bigint with a decimal scale keeps every sum and
 * product exact; only divisions (average price, margin = notional / leverage, partial close) round, and they say how.
 */
import { bigPow10, scaledText, scanDecimal } from '../../common/decimal-text';
import { DecimalFormatError } from '../../common/ticks';

/** How a division or a rescale rounds: toward zero, away from zero, or half away from zero. */
export type DecRounding = 'down' | 'up' | 'half-up';

export class Dec {
  static readonly ZERO = new Dec(0n, 0);
  static readonly ONE = new Dec(1n, 0);

  /** value = units / 10^scale. Instances are immutable; scale is never negative. */
  private constructor(
    readonly units: bigint,
    readonly scale: number,
  ) {}

  /** `[-+]digits[.digits]`, surrounding whitespace ignored (common/decimal-text reads it). */
  static parse(value: string): Dec {
    const text = value.trim();
    // The shared scanner takes no '+': one is dropped here, and a sign may not follow it.
    const body = text.charCodeAt(0) === 43 /* + */ && text.charCodeAt(1) !== 45 /* - */ ? text.slice(1) : text;
    const scanned = scanDecimal(body);
    if (!scanned) throw new DecimalFormatError(value, 'not a plain decimal number');
    return new Dec(scanned.units, scanned.scale);
  }

  static of(units: bigint | number, scale = 0): Dec {
    return new Dec(BigInt(units), scale);
  }

  /** `units` steps of `step`, e.g. 650005 ticks of "0.1" → 65000.5. */
  static fromUnits(units: number, step: string): Dec {
    return Dec.parse(step).mul(Dec.of(units));
  }

  // Sums align to the larger scale; the common cases (same scale, adding zero) skip the rescale and the allocation.
  add(other: Dec): Dec {
    if (other.units === 0n && other.scale <= this.scale) return this;
    if (this.units === 0n && this.scale <= other.scale) return other;
    if (this.scale === other.scale) return new Dec(this.units + other.units, this.scale);
    return this.scale > other.scale
      ? new Dec(this.units + other.units * bigPow10(this.scale - other.scale), this.scale)
      : new Dec(this.units * bigPow10(other.scale - this.scale) + other.units, other.scale);
  }

  sub(other: Dec): Dec {
    if (other.units === 0n && other.scale <= this.scale) return this;
    if (this.scale === other.scale) return new Dec(this.units - other.units, this.scale);
    return this.scale > other.scale
      ? new Dec(this.units - other.units * bigPow10(this.scale - other.scale), this.scale)
      : new Dec(this.units * bigPow10(other.scale - this.scale) - other.units, other.scale);
  }

  mul(other: Dec): Dec {
    return new Dec(this.units * other.units, this.scale + other.scale);
  }

  neg(): Dec {
    return new Dec(-this.units, this.scale);
  }

  abs(): Dec {
    return this.units < 0n ? this.neg() : this;
  }

  sign(): -1 | 0 | 1 {
    return this.units === 0n ? 0 : this.units < 0n ? -1 : 1;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  cmp(other: Dec): -1 | 0 | 1 {
    const a = this.scale >= other.scale ? this.units : this.units * bigPow10(other.scale - this.scale);
    const b = other.scale >= this.scale ? other.units : other.units * bigPow10(this.scale - other.scale);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  eq(other: Dec): boolean {
    return this.cmp(other) === 0;
  }

  lt(other: Dec): boolean {
    return this.cmp(other) < 0;
  }

  gt(other: Dec): boolean {
    return this.cmp(other) > 0;
  }

  min(other: Dec): Dec {
    return this.cmp(other) <= 0 ? this : other;
  }

  max(other: Dec): Dec {
    return this.cmp(other) >= 0 ? this : other;
  }

  /** this / divisor with `decimals` decimals, rounded as asked (the only lossy operation besides `round`). */
  div(divisor: Dec, decimals: number, rounding: DecRounding): Dec {
    if (divisor.units === 0n) throw new RangeError('division by zero');
    const numerator = this.units * bigPow10(divisor.scale + decimals);
    const denominator = divisor.units * bigPow10(this.scale);
    return new Dec(divideRounded(numerator, denominator, rounding), decimals);
  }

  /** Rescales to at most `decimals` decimals (exact when the value already fits). */
  round(decimals: number, rounding: DecRounding): Dec {
    if (this.scale <= decimals) return this;
    return new Dec(divideRounded(this.units, bigPow10(this.scale - decimals), rounding), decimals);
  }

  /** Shortest exact text: no trailing zeros, no trailing dot, "0" for zero ("-0" never appears). */
  toString(): string {
    return this.format(0);
  }

  /** Text with at least `minDecimals` decimals (padded), more only when the value needs them. */
  format(minDecimals: number): string {
    return scaledText(this.units, this.scale, minDecimals);
  }

  /** Exactly `decimals` decimals, rounding half away from zero when the value has more. */
  toFixed(decimals: number): string {
    const rounded = this.round(decimals, 'half-up');
    return rounded.format(decimals);
  }

  toJSON(): string {
    return this.toString();
  }
}

function divideRounded(numerator: bigint, denominator: bigint, rounding: DecRounding): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  let q = n / d;
  const r = n % d;
  if (r !== 0n) {
    if (rounding === 'up') q += 1n;
    if (rounding === 'half-up' && r * 2n >= d) q += 1n;
  }
  return negative ? -q : q;
}
