import { decimalDigits, EXACT_POWERS_OF_TEN, formatScaled, fractionDigits, NEGATIVE_DECIMAL } from '../../common/ticks';
import { numberToDecimal } from '../../common/money';
import type { SizingLimits } from './order-sizing';
import { InstrumentFilters } from './risk.types';

/** A percentage p as the factors (scale ± n) / scale of the prices above and below an entry, n / scale = p / 100. */
export interface PercentFactors {
  readonly above: number;
  readonly below: number;
  readonly scale: number;
}

/**
 * One instrument's filters and the sizing limits as safe integers, so that an entry is sized with a handful of
 * integer operations instead of BigInt rationals. A price is a count of ticks (tick = tickDigits × 10^-tickDecimals,
 * as written: "0.50" is 50 × 10^-2), a qty a count of steps (step = stepDigits × 10^-stepDecimals), and a notional
 * a count of 10^-(tickDecimals + stepDecimals) USDT, a unit in which every qty × price is a whole number. Limits in
 * that unit are rounded the way that keeps comparing integers exact: the budget down, the minimums up.
 */
export interface EntryGrid {
  readonly tickDigits: number;
  readonly tickDecimals: number;
  readonly stepDigits: number;
  readonly stepDecimals: number;
  /** The notional of one step at one tick. */
  readonly stepNotionalPerTick: number;
  readonly notionalDecimals: number;
  /** Notional units in one USDT (10^notionalDecimals, exact as a double). */
  readonly notionalsPerUsdt: number;
  /** maxMarketOrderQty in steps, rounded down; Infinity when the instrument sets no cap. */
  readonly capUnits: number;
  /** minOrderQty in steps, rounded up, and never under one step. */
  readonly minUnits: number;
  /** ORDER_SIZE_USDT in notional units, rounded down. */
  readonly budget: number;
  /** minNotionalValue in notional units, rounded up. */
  readonly minNotional: number;
  /** MIN_ORDER_SIZE_USDT in notional units, rounded up. */
  readonly minOrderSize: number;
  readonly takeProfit: PercentFactors;
  readonly stopLoss: PercentFactors;
}

/**
 * The grid, or undefined for filters and limits that only the exact rules handle, as they always did: negative or
 * malformed values, spaces around them, figures past 2^53.
 */
export function buildEntryGrid(instrument: InstrumentFilters, limits: SizingLimits): EntryGrid | undefined {
  const tickDigits = decimalDigits(instrument.tickSize);
  const stepDigits = decimalDigits(instrument.qtyStep);
  const tickDecimals = fractionDigits(instrument.tickSize);
  const stepDecimals = fractionDigits(instrument.qtyStep);
  const notionalDecimals = tickDecimals + stepDecimals;
  const stepNotionalPerTick = tickDigits * stepDigits;
  if (tickDigits <= 0 || stepDigits <= 0 || notionalDecimals >= EXACT_POWERS_OF_TEN.length) return undefined;
  if (stepNotionalPerTick > Number.MAX_SAFE_INTEGER) return undefined;

  const capDigits = decimalDigits(instrument.maxMarketOrderQty);
  // As in the exact rules, a cap of zero or less is no cap.
  const capUnits =
    capDigits === 0 || capDigits === NEGATIVE_DECIMAL
      ? Infinity
      : divideRounded(countOf(instrument.maxMarketOrderQty, stepDecimals, false), stepDigits, false);
  const minUnits = Math.max(divideRounded(countOf(instrument.minOrderQty, stepDecimals, true), stepDigits, true), 1);
  const minNotional = countOf(instrument.minNotionalValue, notionalDecimals, true);
  const budget = countOfNumber(limits.orderSizeUsdt, notionalDecimals, false);
  const minOrderSize = countOfNumber(limits.minOrderSizeUsdt, notionalDecimals, true);
  const takeProfit = percentFactors(limits.takeProfitPct);
  const stopLoss = percentFactors(limits.stopLossPct);
  // NaN fails every comparison: it marks a value left to the exact rules.
  if (
    !(capUnits >= 0 && minUnits >= 1 && minNotional >= 0 && budget >= 0 && minOrderSize >= 0) ||
    !takeProfit ||
    !stopLoss
  )
    return undefined;
  return {
    tickDigits,
    tickDecimals,
    stepDigits,
    stepDecimals,
    stepNotionalPerTick,
    notionalDecimals,
    notionalsPerUsdt: EXACT_POWERS_OF_TEN[notionalDecimals],
    capUnits,
    minUnits,
    budget,
    minNotional,
    minOrderSize,
    takeProfit,
    stopLoss,
  };
}

/** A positive notional as the exact decimal, without trailing zeros, that rejections quote ("100", "50.05"). */
export function notionalText(grid: EntryGrid, notional: number): string {
  let scaled = notional;
  let decimals = grid.notionalDecimals;
  while (decimals > 0 && scaled % 10 === 0) {
    scaled /= 10;
    decimals--;
  }
  return formatScaled(scaled, decimals);
}

/**
 * a / b rounded down or up, exactly, for a non-negative safe integer a (NaN stays NaN) and a positive safe integer
 * b: % is exact on doubles and a - remainder an exact multiple of b, so no rounded float quotient is trusted.
 */
function divideRounded(a: number, b: number, up: boolean): number {
  const remainder = a % b;
  const quotient = (a - remainder) / b;
  return up && remainder > 0 ? quotient + 1 : quotient;
}

/** A non-negative plain decimal as a count of 10^-decimals, rounded down or up; NaN for any other text or past 2^53. */
function countOf(text: string, decimals: number, roundUp: boolean): number {
  const digits = decimalDigits(text);
  if (digits < 0) return NaN;
  const shift = decimals - fractionDigits(text);
  if (shift >= EXACT_POWERS_OF_TEN.length || -shift >= EXACT_POWERS_OF_TEN.length) return NaN;
  if (shift < 0) return divideRounded(digits, EXACT_POWERS_OF_TEN[-shift], roundUp);
  const count = digits * EXACT_POWERS_OF_TEN[shift];
  return count <= Number.MAX_SAFE_INTEGER ? count : NaN;
}

/** A limit, read as the decimal its shortest round-trip string denotes (as the exact rules read it), as a count. */
function countOfNumber(value: number, decimals: number, roundUp: boolean): number {
  return Number.isFinite(value) ? countOf(numberToDecimal(value), decimals, roundUp) : NaN;
}

function percentFactors(percent: number): PercentFactors | undefined {
  if (!Number.isFinite(percent)) return undefined;
  const text = numberToDecimal(percent);
  const digits = decimalDigits(text);
  const decimals = fractionDigits(text);
  if (digits < 0 || decimals >= EXACT_POWERS_OF_TEN.length) return undefined;
  const scale = 100 * EXACT_POWERS_OF_TEN[decimals];
  const above = scale + digits;
  return above <= Number.MAX_SAFE_INTEGER ? { above, below: scale - digits, scale } : undefined;
}
