/**
 * Exact rational arithmetic on decimal strings (bigint numerator / denominator), for the few sizing formulas that
 * common/ticks.ts does not cover (a quotient of two decimals, a percentage of a price). No float ever decides a
 * rounding direction here.
 */

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export interface Rational {
  readonly num: bigint;
  /** Always > 0. */
  readonly den: bigint;
}

/** A plain decimal string ("65000.5", "-0.001") as an exact rational; undefined when it is not one. */
export function parseRational(value: string): Rational | undefined {
  const match = DECIMAL.exec(value.trim());
  if (!match) return undefined;
  const fraction = match[3] ?? '';
  const digits = BigInt(match[2] + fraction);
  return { num: match[1] ? -digits : digits, den: 10n ** BigInt(fraction.length) };
}

/**
 * A configuration number (finite, from env validation) as an exact decimal string. Numbers are written in
 * shortest round-trip form, so 0.3 stays "0.3" rather than its binary expansion.
 */
export function numberToDecimal(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = String(value);
  if (!text.includes('e')) return text;
  // Exponent form (1e-7, 1e+21): expand it digit by digit.
  const [mantissa, exponentText] = text.toLowerCase().split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const [whole, fraction = ''] = mantissa.replace('-', '').split('.');
  const digits = whole + fraction;
  const point = whole.length + exponent;
  let result: string;
  if (point <= 0) result = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) result = digits + '0'.repeat(point - digits.length);
  else result = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${result}` : result;
}

export function rationalOfNumber(value: number): Rational {
  const known = RATIONALS_OF_NUMBERS.get(value);
  if (known) return known;
  const parsed = parseRational(numberToDecimal(value));
  if (!parsed) throw new RangeError(`not a decimal: ${value}`);
  if (RATIONALS_OF_NUMBERS.size >= RATIONALS_KEPT) RATIONALS_OF_NUMBERS.clear();
  RATIONALS_OF_NUMBERS.set(value, parsed);
  return parsed;
}

/**
 * A memo of the pure conversion above: the risk rules convert the same configuration numbers (limits, percentages,
 * leverage) on every entry, and the string round trip dominates a cold call. Rationals are immutable values, so
 * sharing them is unobservable; the bound keeps changing inputs (balances, exposure) from growing it.
 */
const RATIONALS_OF_NUMBERS = new Map<number, Rational>();
const RATIONALS_KEPT = 256;

export function multiply(a: Rational, b: Rational): Rational {
  return { num: a.num * b.num, den: a.den * b.den };
}

export function add(a: Rational, b: Rational): Rational {
  return { num: a.num * b.den + b.num * a.den, den: a.den * b.den };
}

export function divide(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError('division by zero');
  const negative = b.num < 0n;
  return { num: (negative ? -a.num : a.num) * b.den, den: a.den * (negative ? -b.num : b.num) };
}

/** Floor (toward -∞) of a rational. */
export function floor(r: Rational): bigint {
  const q = r.num / r.den;
  return r.num % r.den !== 0n && r.num < 0n ? q - 1n : q;
}

/** Ceiling (toward +∞) of a rational. */
export function ceil(r: Rational): bigint {
  const q = r.num / r.den;
  return r.num % r.den !== 0n && r.num > 0n ? q + 1n : q;
}

/** -1, 0 or 1. */
export function compare(a: Rational, b: Rational): -1 | 0 | 1 {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left === right ? 0 : left < right ? -1 : 1;
}

/** The product of two decimal strings, exactly, as a decimal string. */
export function multiplyDecimals(a: string, b: string): string {
  const x = parseRational(a);
  const y = parseRational(b);
  if (!x || !y) throw new RangeError(`not decimals: ${a}, ${b}`);
  const product = multiply(x, y); // den is a power of ten
  const scale = product.den.toString().length - 1;
  const negative = product.num < 0n;
  const digits = (negative ? -product.num : product.num).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '');
  return negative ? `-${text}` : text;
}
