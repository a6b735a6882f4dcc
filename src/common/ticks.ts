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

const CHAR_0 = 48;
const CHAR_DOT = 46;
const CHAR_MINUS = 45;

/** What `decimalDigits` returns instead of digits, which are never negative. */
export const NOT_PLAIN_DECIMAL = -1;
export const NEGATIVE_DECIMAL = -2;
export const TOO_MANY_DIGITS = -3;

/** 10^n for every n whose power of ten a double holds exactly. */
export const EXACT_POWERS_OF_TEN: readonly number[] = [
  1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
  1e22,
];

/**
 * The digits of a non-negative plain decimal read as one integer, its point ignored ("0.050" → 50; `fractionDigits`
 * says where the point was). The grammar is DECIMAL's (optional '-', digits, optional '.' and digits, nothing
 * around them) read by a char loop, because the callers run cold and a RegExp match plus BigInt cost far more there.
 * Instead of digits it returns, by precedence: NOT_PLAIN_DECIMAL, NEGATIVE_DECIMAL (any valid decimal written with
 * '-', "-0" too), TOO_MANY_DIGITS (more than a safe integer holds).
 */
export function decimalDigits(text: string): number {
  const length = text.length;
  const negative = length > 0 && text.charCodeAt(0) === CHAR_MINUS;
  let digits = 0;
  let integerDigits = 0;
  let digitsAfterPoint = -1; // -1 until the point
  for (let i = negative ? 1 : 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === CHAR_DOT) {
      if (digitsAfterPoint >= 0 || integerDigits === 0) return NOT_PLAIN_DECIMAL;
      digitsAfterPoint = 0;
      continue;
    }
    const digit = code - CHAR_0;
    if (digit < 0 || digit > 9) return NOT_PLAIN_DECIMAL;
    // Once past 2^53 the sum is no longer exact, but it never falls back under it: the final check still holds.
    digits = digits * 10 + digit;
    if (digitsAfterPoint >= 0) digitsAfterPoint++;
    else integerDigits++;
  }
  if (integerDigits === 0 || digitsAfterPoint === 0) return NOT_PLAIN_DECIMAL;
  if (negative) return NEGATIVE_DECIMAL;
  return digits <= Number.MAX_SAFE_INTEGER ? digits : TOO_MANY_DIGITS;
}

/** How many digits follow the point of a decimal that `decimalDigits` accepted ("0.050" → 3). */
export function fractionDigits(text: string): number {
  const point = text.indexOf('.');
  return point < 0 ? 0 : text.length - point - 1;
}

/**
 * The decimal string of the safe integer `scaled` × 10^-decimals written with exactly `decimals` decimals, for
 * decimals under EXACT_POWERS_OF_TEN.length. Whole part and fraction come from exact integer arithmetic and the
 * fraction's leading zeros from a loop, because the string builtins it would otherwise take are what a cold call
 * pays for.
 */
export function formatScaled(scaled: number, decimals: number): string {
  if (scaled < 0) return '-' + formatScaled(-scaled, decimals);
  if (decimals === 0) return '' + scaled;
  const unit = EXACT_POWERS_OF_TEN[decimals];
  const fraction = scaled % unit;
  let text = (scaled - fraction) / unit + '.';
  for (let zerosUpTo = unit / 10; zerosUpTo >= 10 && fraction < zerosUpTo; zerosUpTo /= 10) text += '0';
  return text + fraction;
}

/**
 * Exact, allocation-free equivalent of `toUnits(text, step, 'exact')` for non-negative plain decimals
 * (what Bybit sends): digits are accumulated as an integer, fraction digits beyond the step's must be zeros,
 * and the result must divide by the step's mantissa. Returns NaN instead of throwing (hot path).
 */
export function parseUnits(text: string, decimals: number, mantissa: number): number {
  const length = text.length;
  if (length === 0) return NaN;
  let value = 0;
  let fraction = -1; // -1: no dot seen yet; else fraction digits kept so far
  let last = -1; // char code of the last character read
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    last = code;
    if (code === CHAR_DOT) {
      if (fraction >= 0 || i === 0) return NaN;
      fraction = 0;
      continue;
    }
    const digit = code - CHAR_0;
    if (digit < 0 || digit > 9) return NaN;
    if (fraction >= decimals) {
      if (digit !== 0) return NaN; // finer than the grid
      continue;
    }
    value = value * 10 + digit;
    if (fraction >= 0) fraction++;
  }
  if (last === CHAR_DOT) return NaN; // "1." is not a Bybit decimal
  const kept = fraction < 0 ? 0 : fraction;
  value *= EXACT_POWERS_OF_TEN[decimals - kept];
  if (!(value <= Number.MAX_SAFE_INTEGER)) return NaN;
  if (mantissa !== 1) {
    if (value % mantissa !== 0) return NaN;
    value /= mantissa;
  }
  return value;
}

export type Rounding = 'down' | 'up' | 'nearest' | 'exact';

/**
 * How many steps `value` is (e.g. price "65000.5" with tick "0.1" → 650005). `rounding` decides what happens when
 * value is not on the grid: 'exact' throws, 'down'/'up' go toward -∞/+∞, 'nearest' rounds half away from zero.
 */
export function toUnits(value: string, step: string, rounding: Rounding = 'exact'): number {
  const units = toUnitsInSafeIntegers(value, step, rounding);
  return Number.isNaN(units) ? toUnitsExactly(value, step, rounding) : units;
}

/**
 * `toUnits` in safe-integer arithmetic for what prices and quantities look like (non-negative plain decimals whose
 * digits, scaled to the same power of ten, fit a safe integer); NaN for anything else, errors included, which
 * toUnitsExactly then decides and words.
 */
function toUnitsInSafeIntegers(value: string, step: string, rounding: Rounding): number {
  const valueDigits = decimalDigits(value);
  const stepDigits = decimalDigits(step);
  if (valueDigits < 0 || stepDigits <= 0) return NaN;
  const shift = fractionDigits(step) - fractionDigits(value);
  if (shift >= EXACT_POWERS_OF_TEN.length || -shift >= EXACT_POWERS_OF_TEN.length) return NaN;
  const numerator = shift > 0 ? valueDigits * EXACT_POWERS_OF_TEN[shift] : valueDigits;
  const denominator = shift < 0 ? stepDigits * EXACT_POWERS_OF_TEN[-shift] : stepDigits;
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator)) return NaN;
  const remainder = numerator % denominator;
  const quotient = (numerator - remainder) / denominator;
  if (remainder === 0) return quotient;
  if (rounding === 'exact') return NaN;
  // value ≥ 0 here, so 'down' truncates, and 'up' and a 'nearest' half or more add one.
  return rounding === 'up' || (rounding === 'nearest' && remainder * 2 >= denominator) ? quotient + 1 : quotient;
}

function toUnitsExactly(value: string, step: string, rounding: Rounding): number {
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
  const stepDigits = decimalDigits(step);
  const decimals = fractionDigits(step);
  const scaled = units * stepDigits;
  if (stepDigits >= 0 && decimals < EXACT_POWERS_OF_TEN.length && Number.isSafeInteger(scaled))
    return formatScaled(scaled, decimals);
  return fromUnitsExactly(units, step);
}

function fromUnitsExactly(units: number, step: string): string {
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
