/**
 * A linear perpetual's trading rules, held in the exact shape of one Bybit V5 instruments-info item (category
 * linear) so the transport can serve it unchanged, plus the conversions and filter checks the matching engine
 * applies to every order. All checks are exact: strings become integer ticks/lots, never floats.
 */
import { decimalsOf, DecimalFormatError, fromUnits, toUnits } from '../../common/ticks';
import { Dec } from './exact-decimal';
import { reject, V5_ERRORS } from './v5-errors';

/** Bybit V5 Get Instruments Info item (linear), the fields the simulator uses and serves. */
export interface InstrumentInfo {
  readonly symbol: string;
  readonly contractType: 'LinearPerpetual';
  readonly status: 'Trading';
  readonly baseCoin: string;
  readonly quoteCoin: string;
  readonly settleCoin: string;
  readonly priceScale: string;
  readonly leverageFilter: {
    readonly minLeverage: string;
    readonly maxLeverage: string;
    readonly leverageStep: string;
  };
  readonly priceFilter: { readonly minPrice: string; readonly maxPrice: string; readonly tickSize: string };
  readonly lotSizeFilter: {
    readonly minOrderQty: string;
    readonly maxOrderQty: string;
    readonly maxMktOrderQty: string;
    readonly qtyStep: string;
    readonly minNotionalValue: string;
    readonly postOnlyMaxOrderQty?: string;
  };
  /** Minutes (BYBIT.md §4; the sample's 8 is hours). */
  readonly fundingInterval: number;
}

export type OrderTypeName = 'Market' | 'Limit';

export class Instrument {
  readonly symbol: string;
  readonly tickSize: string;
  readonly qtyStep: string;
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  private readonly minPriceTicks: number;
  private readonly maxPriceTicks: number;
  private readonly minLots: number;
  private readonly maxLots: number;
  private readonly maxMarketLots: number;
  private readonly minNotional: Dec;
  private readonly tick: Dec;
  private readonly step: Dec;

  constructor(readonly info: InstrumentInfo) {
    this.symbol = info.symbol;
    this.tickSize = info.priceFilter.tickSize;
    this.qtyStep = info.lotSizeFilter.qtyStep;
    // priceScale decides how prices print ("30000.50" for scale 2), even when the tick has fewer decimals.
    this.priceDecimals = Math.max(Number(info.priceScale), decimalsOf(this.tickSize));
    this.qtyDecimals = decimalsOf(this.qtyStep);
    this.minPriceTicks = toUnits(info.priceFilter.minPrice, this.tickSize, 'up');
    this.maxPriceTicks = toUnits(info.priceFilter.maxPrice, this.tickSize, 'down');
    this.minLots = toUnits(info.lotSizeFilter.minOrderQty, this.qtyStep, 'up');
    this.maxLots = toUnits(info.lotSizeFilter.maxOrderQty, this.qtyStep, 'down');
    this.maxMarketLots = toUnits(info.lotSizeFilter.maxMktOrderQty, this.qtyStep, 'down');
    this.minNotional = Dec.parse(info.lotSizeFilter.minNotionalValue);
    this.tick = Dec.parse(this.tickSize);
    this.step = Dec.parse(this.qtyStep);
  }

  /** Decimal price of `ticks`, printed with priceScale decimals as Bybit does. */
  price(ticks: number): string {
    return this.priceDec(ticks).toFixed(this.priceDecimals);
  }

  priceDec(ticks: number): Dec {
    return this.tick.mul(Dec.of(ticks));
  }

  /** Decimal qty of `lots` with the step's decimals ("0.010"); zero prints as "0" like Bybit's order pushes. */
  qty(lots: number): string {
    return lots === 0 ? '0' : fromUnits(lots, this.qtyStep);
  }

  qtyDec(lots: number): Dec {
    return this.step.mul(Dec.of(lots));
  }

  /** Notional value in quote coin of `lots` at `ticks`, exact. */
  value(ticks: number, lots: number): Dec {
    return this.tick.mul(this.step).mul(Dec.of(BigInt(ticks) * BigInt(lots)));
  }

  /** An average (or any) price as a decimal: at least priceScale decimals, up to 8 when the quotient needs them. */
  formatAvgPrice(price: Dec): string {
    return price.round(Math.max(8, this.priceDecimals), 'half-up').format(this.priceDecimals);
  }

  /** Parses a price that must be on the tick grid; off-grid or malformed → 10001 (Bybit checks tickSize). */
  parsePrice(price: string | undefined): number {
    if (price === undefined || price === '') reject(V5_ERRORS.PARAMS, 'Missing price');
    let ticks: number;
    try {
      ticks = toUnits(price, this.tickSize, 'exact');
    } catch (error) {
      if (error instanceof DecimalFormatError) reject(V5_ERRORS.PARAMS, `Price invalid: ${price}`);
      throw error;
    }
    if (ticks <= 0) reject(V5_ERRORS.PARAMS, `Price invalid: ${price}`);
    if (ticks < this.minPriceTicks || ticks > this.maxPriceTicks) reject(V5_ERRORS.PRICE_OUT_OF_RANGE);
    return ticks;
  }

  /** Parses a qty: malformed or off the qtyStep grid → 10001; below one step → 110017; min/max filters → 10001. */
  parseQty(qty: string | undefined, orderType: OrderTypeName): number {
    if (qty === undefined || qty === '') reject(V5_ERRORS.PARAMS, 'Missing qty');
    let lots: number;
    try {
      lots = toUnits(qty, this.qtyStep, 'down');
      if (lots > 0) toUnits(qty, this.qtyStep, 'exact');
    } catch (error) {
      if (error instanceof DecimalFormatError) reject(V5_ERRORS.PARAMS, `Qty invalid: ${qty}`);
      throw error;
    }
    if (lots <= 0) reject(V5_ERRORS.QTY_TRUNCATED_TO_ZERO);
    if (lots < this.minLots) reject(V5_ERRORS.PARAMS, 'The number of contracts exceeds minimum limit allowed');
    const max = orderType === 'Market' ? this.maxMarketLots : this.maxLots;
    if (lots > max) reject(V5_ERRORS.PARAMS, 'The number of contracts exceeds maximum limit allowed');
    return lots;
  }

  /** minNotionalValue filter: qty × price must reach it (110094). */
  checkMinNotional(ticks: number, lots: number): void {
    if (this.value(ticks, lots).lt(this.minNotional)) reject(V5_ERRORS.MIN_NOTIONAL);
  }

  /** Leverage must sit inside leverageFilter and on its step (10001 otherwise). */
  checkLeverage(leverage: string): Dec {
    let value: Dec;
    try {
      value = Dec.parse(leverage);
    } catch {
      return reject(V5_ERRORS.PARAMS, `leverage invalid: ${leverage}`);
    }
    const { minLeverage, maxLeverage, leverageStep } = this.info.leverageFilter;
    const onStep = (() => {
      try {
        toUnits(leverage, leverageStep, 'exact');
        return true;
      } catch {
        return false;
      }
    })();
    if (!onStep || value.lt(Dec.parse(minLeverage)) || value.gt(Dec.parse(maxLeverage))) {
      reject(V5_ERRORS.PARAMS, `leverage invalid: ${leverage}`);
    }
    return value;
  }
}

/** A typical BTCUSDT-like spec for tests and defaults; every field can be overridden. */
export function linearInstrumentInfo(
  symbol: string,
  overrides: Partial<Omit<InstrumentInfo, 'symbol'>> = {},
): InstrumentInfo {
  return {
    symbol,
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: symbol.replace(/USDT$/, ''),
    quoteCoin: 'USDT',
    settleCoin: 'USDT',
    priceScale: '2',
    leverageFilter: { minLeverage: '1', maxLeverage: '100', leverageStep: '0.01' },
    priceFilter: { minPrice: '0.10', maxPrice: '1999999.80', tickSize: '0.10' },
    lotSizeFilter: {
      minOrderQty: '0.001',
      maxOrderQty: '1190.000',
      maxMktOrderQty: '119.000',
      qtyStep: '0.001',
      minNotionalValue: '5',
      postOnlyMaxOrderQty: '1190.000',
    },
    fundingInterval: 480,
    ...overrides,
  };
}
