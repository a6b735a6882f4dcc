import { decimal, decimalText, moneyText, numberToDecimal, Rational } from './money';
import { decimalsOf } from './ticks';

/**
 * Floats leave the process as decimal strings (docs/api-conventions.md): a float price such as 96000.10000000001
 * is written with the decimals of its grid, never with the 17 digits of its binary expansion. These are for
 * display only (HTTP and /ws payloads); bookkeeping stays in exact decimals (money.ts, ticks.ts).
 */

/** Decimals used when the instrument's grid is unknown: money.ts's average-price scale. */
const UNKNOWN_GRID_DECIMALS = 10;

/**
 * Not money.ts's rationalOfNumber: its memo is sized for the risk rules' configuration numbers, and a stream of
 * distinct display values (a micro-price 10 times a second) would keep evicting them.
 */
const exactly = (value: number): Rational => decimal(numberToDecimal(value));

function onGrid(value: number, step: string | undefined, extraDecimals: number): string | null {
  if (!Number.isFinite(value)) return null;
  const decimals = step === undefined || step === '' ? UNKNOWN_GRID_DECIMALS : decimalsOf(step) + extraDecimals;
  return decimalText(exactly(value), decimals);
}

/**
 * A price (or a price difference) with the decimals of the tick size; `extraDecimals` for figures that fall
 * between ticks (a mid needs one more, a volume-weighted micro-price two). Null for NaN/∞ (no price).
 */
export function priceDecimal(value: number, tickSize: string | undefined, extraDecimals = 0): string | null {
  return onGrid(value, tickSize, extraDecimals);
}

/** A base-coin quantity with the decimals of the qty step; null for NaN/∞. */
export function qtyDecimal(value: number, qtyStep: string | undefined): string | null {
  return onGrid(value, qtyStep, 0);
}

/** A USDT amount at the money scale (8 decimals, money.ts); null for NaN/∞ and null. */
export function moneyDecimal(value: number | null): string | null {
  return value === null || !Number.isFinite(value) ? null : moneyText(exactly(value));
}
