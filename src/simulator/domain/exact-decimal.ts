/**
 * Exact decimal arithmetic for money (fees, PnL, balances, margins) in the simulator.
 *
 * Prices and sizes live as integer ticks and lots (common/ticks.ts), but money is a product of them with decimal
 * steps and fee rates, so it needs more decimals than either. A bigint with a decimal scale keeps every sum and
 * product exact; only divisions (average price, margin = notional / leverage, partial close) round, and they say how.
 */
import { DecimalFormatError } from '../../common/ticks';

/** How a division or a rescale rounds: toward zero, away from zero, or half away from zero. */
export type DecRounding = 'down' | 'up' | 'half-up';

// Powers of ten as bigints, computed once: the simulator and the backtest rescale on every sum of money.
const POW10: readonly bigint[] = Array.from({ length: 40 }, (_, n) => 10n ** BigInt(n));

function pow10(n: number): bigint {
  return n < POW10.length ? POW10[n] : 10n ** BigInt(n);
}

/** Digits a double holds exactly as an integer (10^15 < 2^53): shorter inputs are summed as numbers. */
const EXACT_DIGITS = 15;

export class Dec {
  static readonly ZERO = new Dec(0n, 0);
  static readonly ONE = new Dec(1n, 0);

  /** value = units / 10^scale. Instances are immutable; scale is never negative. */
  private constructor(
    readonly units: bigint,
    readonly scale: number,
  ) {}

  /**
   * `[-+]digits[.digits]`, surrounding whitespace ignored. Scanned by hand rather than with a regular expression:
   * the engine parses its stored balances and margins on every order, and a match array with its substrings was a
   * large share of what a trade-heavy backtest allocates.
   */
  static parse(value: string): Dec {
    const text = isTrimmed(value) ? value : value.trim();
    const end = text.length;
    let i = 0;
    const sign = text.charCodeAt(0);
    if (sign === 45 /* - */ || sign === 43 /* + */) i = 1;
    const start = i;
    let dot = -1;
    let small = 0;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) small = small * 10 + (c - 48);
      else if (c === 46 /* . */ && dot < 0 && i > start && i < end - 1) dot = i;
      else throw new DecimalFormatError(value, 'not a plain decimal number');
    }
    const digitCount = end - start - (dot < 0 ? 0 : 1);
    if (digitCount === 0) throw new DecimalFormatError(value, 'not a plain decimal number');
    const scale = dot < 0 ? 0 : end - dot - 1;
    const units =
      digitCount <= EXACT_DIGITS
        ? BigInt(small)
        : BigInt(dot < 0 ? text.slice(start) : text.slice(start, dot) + text.slice(dot + 1));
    return new Dec(sign === 45 ? -units : units, scale);
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
      ? new Dec(this.units + other.units * pow10(this.scale - other.scale), this.scale)
      : new Dec(this.units * pow10(other.scale - this.scale) + other.units, other.scale);
  }

  sub(other: Dec): Dec {
    if (other.units === 0n && other.scale <= this.scale) return this;
    if (this.scale === other.scale) return new Dec(this.units - other.units, this.scale);
    return this.scale > other.scale
      ? new Dec(this.units - other.units * pow10(this.scale - other.scale), this.scale)
      : new Dec(this.units * pow10(other.scale - this.scale) - other.units, other.scale);
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
    const a = this.scale >= other.scale ? this.units : this.units * pow10(other.scale - this.scale);
    const b = other.scale >= this.scale ? other.units : other.units * pow10(this.scale - other.scale);
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
    const numerator = this.units * pow10(divisor.scale + decimals);
    const denominator = divisor.units * pow10(this.scale);
    return new Dec(divideRounded(numerator, denominator, rounding), decimals);
  }

  /** Rescales to at most `decimals` decimals (exact when the value already fits). */
  round(decimals: number, rounding: DecRounding): Dec {
    if (this.scale <= decimals) return this;
    return new Dec(divideRounded(this.units, pow10(this.scale - decimals), rounding), decimals);
  }

  /** Shortest exact text: no trailing zeros, no trailing dot, "0" for zero ("-0" never appears). */
  toString(): string {
    return this.format(0);
  }

  /** Text with at least `minDecimals` decimals (padded), more only when the value needs them. */
  format(minDecimals: number): string {
    const negative = this.units < 0n;
    let digits = (negative ? -this.units : this.units).toString();
    const scale = this.scale;
    let whole = digits;
    let fraction = '';
    if (scale > 0) {
      if (digits.length <= scale) digits = digits.padStart(scale + 1, '0');
      const point = digits.length - scale;
      let end = digits.length;
      while (end > point && digits.charCodeAt(end - 1) === 48 /* 0 */) end--; // trailing zeros go
      whole = digits.slice(0, point);
      if (end > point) fraction = digits.slice(point, end);
    }
    if (fraction.length < minDecimals) fraction = fraction.padEnd(minDecimals, '0');
    const text = fraction ? `${whole}.${fraction}` : whole;
    return negative ? `-${text}` : text;
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

/** No surrounding whitespace (the usual case): the first character is a sign or digit, the last a digit. */
function isTrimmed(value: string): boolean {
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  return (first === 45 || first === 43 || (first >= 48 && first <= 57)) && last >= 48 && last <= 57;
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
