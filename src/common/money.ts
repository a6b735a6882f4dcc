/**
 * The one exact number type for money, prices and quantities off the integer grid: a rational of two BigInts.
 *
 * Why a rational and not a fixed number of decimals: the figures the trading core derives are quotients (an average
 * fill price, a qty from a USDT budget, an exit price a percentage away) and a fixed-point type would have to round
 * inside every step, each time in a direction someone must choose. A rational keeps every intermediate exact and
 * rounds once, at the edge where a figure is written (`moneyText`: 8 decimals, USDT's precision at Bybit;
 * `averagePriceText`: 10 decimals), half away from zero, or floor/ceil where a rule says which way (sizing).
 * Prices and quantities that sit on the instrument's grid are integer counts of its tick / qty step
 * (common/ticks.ts); this type is for what leaves that grid. The hot path does not allocate BigInts: the risk rules
 * decide in safe integers first and come here only for what those cannot decide (risk-rules.ts).
 *
 * Numbers (floats) meet this type only at the edges: configuration values (`rationalOfNumber`, shortest round-trip
 * form, so 0.3 is 3/10) and display (`money`, `Number(moneyText(...))`).
 */

import { bigPow10, scaledText, scanDecimal } from './decimal-text';

export interface Rational {
  readonly num: bigint;
  /** Always > 0. */
  readonly den: bigint;
}

/** A plain decimal string ("65000.5", "-0.001") as an exact rational; undefined when it is not one. */
export function parseRational(value: string): Rational | undefined {
  const scanned = scanDecimal(value.trim());
  return scanned && { num: scanned.units, den: bigPow10(scanned.scale) };
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

export const ZERO: Rational = { num: 0n, den: 1n };

export function subtract(a: Rational, b: Rational): Rational {
  return add(a, negate(b));
}

export function negate(a: Rational): Rational {
  return { num: -a.num, den: a.den };
}

export function isZero(a: Rational): boolean {
  return a.num === 0n;
}

/** A decimal string as an exact rational; throws a RangeError when it is not a plain decimal. */
export function decimal(value: string): Rational {
  const parsed = parseRational(value);
  if (!parsed) throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
  return parsed;
}

/** `value` rounded half away from zero to `decimals` places, written without trailing zeros and never as -0. */
export function decimalText(value: Rational, decimals: number): string {
  const negative = value.num < 0n;
  const magnitude = (negative ? -value.num : value.num) * bigPow10(decimals);
  let units = magnitude / value.den;
  if ((magnitude % value.den) * 2n >= value.den) units += 1n;
  return scaledText(negative ? -units : units, decimals);
}

const MONEY_DECIMALS = 8;
const AVERAGE_PRICE_DECIMALS = 10;

/** Money as written to the database and the API: 8 decimals, USDT's precision at Bybit. */
export function moneyText(value: Rational): string {
  return decimalText(value, MONEY_DECIMALS);
}

/** Average prices keep 10 decimals: enough for any tick, and stable in NUMERIC. */
export function averagePriceText(value: Rational): string {
  return decimalText(value, AVERAGE_PRICE_DECIMALS);
}

/** Sum of decimal money strings, exactly, written as money ("" counts as 0: Bybit sends empty fees). */
export function sumMoney(...values: readonly string[]): string {
  let total = ZERO;
  for (const value of values) if (value !== '') total = add(total, decimal(value));
  return moneyText(total);
}

/**
 * Display only: a float (a mark-to-market valuation against a float book price) written as money. Bookkeeping
 * never goes through here; it stays in rationals.
 */
export function money(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`money: not a finite number (${value})`);
  return moneyText(rationalOfNumber(value));
}

/** True when `value` is a decimal above zero ("" and non-decimals are not): a sign test without a float parse. */
export function isPositiveDecimal(value: string | null | undefined): boolean {
  if (!value) return false;
  const parsed = parseRational(value);
  return parsed !== undefined && parsed.num > 0n;
}
