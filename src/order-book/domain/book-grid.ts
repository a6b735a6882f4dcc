import { decimalsOf, fromUnits, parseUnits, toUnits } from '../../common/ticks';

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
