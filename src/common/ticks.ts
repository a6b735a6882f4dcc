/**
 * Exact decimal ↔ integer-unit conversion for prices and quantities. Prices are held as integer counts of the
 * instrument's tick size and quantities as counts of its qty step, so matching, rounding and comparisons never
 * touch binary floating point. Decimal strings come from Bybit (and go back to it) only at the edges.
 */

export class DecimalFormatError extends Error {
  constructor(value: string, reason: string) {
    super(`Invalid decimal ${JSON.stringify(value)}: ${reason}`);
    this.name = 'DecimalFormatError';
  }
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

function parse(value: string): Scaled {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new DecimalFormatError(value, 'not a plain decimal number');
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const digits = BigInt(match[2] + fraction);
  return { units: match[1] ? -digits : digits, scale: fraction.length };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

export type Rounding = 'down' | 'up' | 'nearest' | 'exact';

/**
 * How many steps `value` is (e.g. price "65000.5" with tick "0.1" → 650005). `rounding` decides what happens when
 * value is not on the grid: 'exact' throws, 'down'/'up' go toward -∞/+∞, 'nearest' rounds half away from zero.
 */
export function toUnits(value: string, step: string, rounding: Rounding = 'exact'): number {
  const v = parse(value);
  const s = parse(step);
  if (s.units <= 0n) throw new DecimalFormatError(step, 'step must be positive');
  const scale = Math.max(v.scale, s.scale);
  const numerator = v.units * pow10(scale - v.scale);
  const denominator = s.units * pow10(scale - s.scale);
  let quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder !== 0n) {
    if (rounding === 'exact') throw new DecimalFormatError(value, `not a multiple of ${step}`);
    const negative = numerator < 0n;
    if (rounding === 'down' && negative) quotient -= 1n;
    if (rounding === 'up' && !negative) quotient += 1n;
    if (rounding === 'nearest') {
      const twice = (remainder < 0n ? -remainder : remainder) * 2n;
      if (twice >= denominator) quotient += negative ? -1n : 1n;
    }
  }
  const result = Number(quotient);
  if (!Number.isSafeInteger(result)) throw new DecimalFormatError(value, 'too many steps to represent exactly');
  return result;
}

/** The decimal string of `units` steps, with exactly as many decimals as the step has ("0.10" counts as 2). */
export function fromUnits(units: number, step: string): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`units must be a safe integer, got ${units}`);
  const decimals = decimalsOf(step);
  const s = parse(step);
  const scaled = BigInt(units) * s.units * pow10(decimals - s.scale);
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return negative ? `-${text}` : text;
}

/** Number of decimals a step is written with: "0.01" → 2, "1" → 0, "0.50" → 2. */
export function decimalsOf(step: string): number {
  const match = DECIMAL.exec(step.trim());
  if (!match) throw new DecimalFormatError(step, 'not a plain decimal number');
  return (match[3] ?? '').length;
}

/** Compares two decimal strings exactly (-1, 0, 1), without converting to floating point. */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const left = x.units * pow10(scale - x.scale);
  const right = y.units * pow10(scale - y.scale);
  return left === right ? 0 : left < right ? -1 : 1;
}
