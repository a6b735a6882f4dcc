import { decimalsOf, fromUnits, toUnits } from '../../common/ticks';

/** How an instrument's prices and sizes map to integers: its tick size and its qty step, as Bybit writes them. */
export interface BookGridSpec {
  readonly tickSize: string;
  readonly qtyStep: string;
}

/**
 * The instrument's price and size grid, precomputed for the hot path. A decimal string with `decimals` fraction
 * digits is read as an integer count of 10^-decimals, then divided by the step's mantissa (tick "0.5" = 5 × 10^-1),
 * so "65000.5" with tick "0.5" is 130001 ticks. No floating point touches a price: every count is an exact integer.
 */
export class BookGrid implements BookGridSpec {
  readonly tickDecimals: number;
  readonly tickMantissa: number;
  readonly lotDecimals: number;
  readonly lotMantissa: number;
  /** Tick and lot as numbers: only for display and derived metrics (never for comparing prices). */
  readonly tick: number;
  readonly lot: number;

  constructor(
    readonly tickSize: string,
    readonly qtyStep: string,
  ) {
    this.tickDecimals = decimalsOf(tickSize);
    this.tickMantissa = toUnits(tickSize, unitOf(this.tickDecimals));
    this.lotDecimals = decimalsOf(qtyStep);
    this.lotMantissa = toUnits(qtyStep, unitOf(this.lotDecimals));
    if (this.tickMantissa <= 0 || this.lotMantissa <= 0) throw new RangeError(`tick and qty step must be positive`);
    this.tick = Number(tickSize);
    this.lot = Number(qtyStep);
  }

  static of(spec: BookGridSpec | BookGrid): BookGrid {
    return spec instanceof BookGrid ? spec : new BookGrid(spec.tickSize, spec.qtyStep);
  }

  /** Ticks of a decimal price, NaN when malformed or off the grid. Allocation-free. */
  priceTicks(text: string): number {
    return parseUnits(text, this.tickDecimals, this.tickMantissa);
  }

  /** Lots of a decimal size, NaN when malformed or off the grid. Allocation-free. */
  sizeLots(text: string): number {
    return parseUnits(text, this.lotDecimals, this.lotMantissa);
  }

  priceText(ticks: number): string {
    return fromUnits(ticks, this.tickSize);
  }

  sizeText(lots: number): string {
    return fromUnits(lots, this.qtyStep);
  }
}

function unitOf(decimals: number): string {
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];
const CHAR_0 = 48;
const CHAR_DOT = 46;

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
  value *= POW10[decimals - kept];
  if (!(value <= Number.MAX_SAFE_INTEGER)) return NaN;
  if (mantissa !== 1) {
    if (value % mantissa !== 0) return NaN;
    value /= mantissa;
  }
  return value;
}
