import { decimalDigits, fractionDigits, NEGATIVE_DECIMAL, NOT_PLAIN_DECIMAL, TOO_MANY_DIGITS } from './ticks';

/**
 * Exact decimal text ↔ scaled bigints, shared by money.ts (rationals) and the simulator's Dec: both parse every
 * price, quantity and fee that crosses the exchange protocol and write every amount back, so these read and write
 * by hand (a char loop, cached powers of ten) rather than with a regular expression and a power per call.
 */

const POWERS = Array.from({ length: 40 }, (_, n) => 10n ** BigInt(n));

/** 10^n as a bigint. */
export function bigPow10(n: number): bigint {
  return n < POWERS.length ? POWERS[n] : 10n ** BigInt(n);
}

/** A plain decimal `[-]digits[.digits]` (ticks.ts's grammar: no '+', nothing around it) as units × 10^-scale. */
export function scanDecimal(text: string): { units: bigint; scale: number } | undefined {
  const digits = decimalDigits(text);
  if (digits === NOT_PLAIN_DECIMAL) return undefined;
  if (digits === NEGATIVE_DECIMAL) {
    const magnitude = scanDecimal(text.slice(1));
    return magnitude && { units: -magnitude.units, scale: magnitude.scale };
  }
  const scale = fractionDigits(text);
  if (digits !== TOO_MANY_DIGITS) return { units: BigInt(digits), scale };
  // More digits than a double holds exactly: the grammar is already checked, so only the point is left out.
  const point = text.length - scale - 1;
  return { units: BigInt(scale === 0 ? text : text.slice(0, point) + text.slice(point + 1)), scale };
}

/** units × 10^-scale as the shortest exact text with at least `minDecimals` decimals ("-0.5", "105.00", "0"). */
export function scaledText(units: bigint, scale: number, minDecimals = 0): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
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
