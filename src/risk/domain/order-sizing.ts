import { fromUnits, toUnits } from '../../common/ticks';
import {
  ceil,
  compare,
  divide,
  floor,
  multiply,
  multiplyDecimals,
  parseRational,
  Rational,
  rationalOfNumber,
} from '../../common/money';
import { EntrySide, InstrumentFilters, rejection, RiskLimits, RiskRejection } from './risk.types';

export type SizingLimits = Pick<RiskLimits, 'orderSizeUsdt' | 'minOrderSizeUsdt' | 'takeProfitPct' | 'stopLossPct'>;

export interface SizedQuantity {
  readonly ok: true;
  readonly qty: string;
  /** qty × price, exact decimal string. */
  readonly notional: string;
  readonly notionalUsdt: number;
  readonly takeProfit: string;
  readonly stopLoss: string;
}

export type SizingFailure = RiskRejection & { readonly ok: false };

export type SizingResult = SizedQuantity | SizingFailure;

export interface ExitPrices {
  readonly takeProfit: string;
  readonly stopLoss: string;
}

const HUNDRED: Rational = { num: 100n, den: 1n };

function fail(...args: Parameters<typeof rejection>): SizingFailure {
  return { ...rejection(...args), ok: false };
}

/** Largest qty-step multiple whose notional at `price` does not exceed `usdt` (rounds DOWN: never more risk). */
export function qtyUnitsFor(usdt: number, price: string, qtyStep: string): number {
  const p = parseRational(price);
  const s = parseRational(qtyStep);
  if (!p || !s || p.num <= 0n || s.num <= 0n) throw new RangeError(`bad price or step: ${price}, ${qtyStep}`);
  const units = floor(divide(rationalOfNumber(usdt), multiply(p, s)));
  return units < 0n ? 0 : Number(units);
}

/**
 * Take-profit and stop-loss prices `pct` percent away from the entry, rounded to the tick TOWARD the entry:
 * a Buy's TP rounds down and SL up, a Sell's TP up and SL down, so rounding never extends the target or widens
 * the loss. Returns undefined when a price would not be strictly positive or would land on the entry itself
 * (a distance under one tick cannot be expressed without widening it).
 */
export function exitPrices(
  side: EntrySide,
  price: string,
  tickSize: string,
  takeProfitPct: number,
  stopLossPct: number,
): ExitPrices | undefined {
  const entryTicks = BigInt(toUnits(price, tickSize));
  // entry × (100 ± pct) / 100, exactly.
  const scaled = (pct: number, sign: 1n | -1n): Rational => {
    const p = rationalOfNumber(pct);
    return divide(
      multiply({ num: entryTicks, den: 1n }, { num: HUNDRED.num * p.den + sign * p.num, den: p.den }),
      HUNDRED,
    );
  };
  const up = (pct: number) => scaled(pct, 1n);
  const down = (pct: number) => scaled(pct, -1n);
  const tpTicks = side === 'Buy' ? floor(up(takeProfitPct)) : ceil(down(takeProfitPct));
  const slTicks = side === 'Buy' ? ceil(down(stopLossPct)) : floor(up(stopLossPct));
  if (tpTicks <= 0n || slTicks <= 0n || tpTicks === entryTicks || slTicks === entryTicks) return undefined;
  return { takeProfit: fromUnits(Number(tpTicks), tickSize), stopLoss: fromUnits(Number(slTicks), tickSize) };
}

/**
 * The entry quantity for ORDER_SIZE_USDT at `price`: rounded DOWN to the qty step, capped DOWN at the market
 * order maximum, and refused (never rounded up) when it falls below the instrument's minimum qty, its minimum
 * notional, or MIN_ORDER_SIZE_USDT. `price` must be a positive decimal on the tick grid (checked by the caller).
 */
export function sizeEntry(
  side: EntrySide,
  price: string,
  limits: SizingLimits,
  instrument: InstrumentFilters,
): SizingResult {
  const { qtyStep } = instrument;
  let units = qtyUnitsFor(limits.orderSizeUsdt, price, qtyStep);
  const cap = parseRational(instrument.maxMarketOrderQty);
  const capUnits = cap && cap.num > 0n ? toUnits(instrument.maxMarketOrderQty, qtyStep, 'down') : undefined;
  if (capUnits !== undefined && units > capUnits) units = capUnits;

  const minUnits = Math.max(toUnits(instrument.minOrderQty, qtyStep, 'up'), 1);
  const qty = fromUnits(units, qtyStep);
  if (units < minUnits)
    return qtyBelowMinimum(qty, price, limits, instrument, capUnits !== undefined && units === capUnits);
  const notional = multiplyDecimals(qty, price);
  const notionalExact = parseRational(notional)!;
  const minNotional = parseRational(instrument.minNotionalValue);
  if (minNotional && compare(notionalExact, minNotional) < 0)
    return notionalBelowInstrumentMinimum(qty, price, notional, instrument);
  if (compare(notionalExact, rationalOfNumber(limits.minOrderSizeUsdt)) < 0)
    return notionalBelowMinOrderSize(qty, price, notional, limits);
  const exits = exitPrices(side, price, instrument.tickSize, limits.takeProfitPct, limits.stopLossPct);
  if (!exits) return exitsWithinOneTick(price, limits, instrument);
  return { ok: true, qty, notional, notionalUsdt: Number(notional), ...exits };
}

// The refusals of sizing, worded once for sizeEntry and for the risk rules' integer fast path.

/** `capped`: the market-order cap, not the budget, brought the qty down to `qty`. */
export function qtyBelowMinimum(
  qty: string,
  price: string,
  limits: SizingLimits,
  instrument: InstrumentFilters,
  capped: boolean,
): SizingFailure {
  const { qtyStep } = instrument;
  return fail(
    'BELOW_MIN_QTY',
    `qty ${qty} (${limits.orderSizeUsdt} USDT at ${price}, step ${qtyStep}) is below the minimum order qty ${instrument.minOrderQty}`,
    {
      qty,
      minOrderQty: instrument.minOrderQty,
      qtyStep,
      price,
      orderSizeUsdt: limits.orderSizeUsdt,
      ...(capped ? { maxMarketOrderQty: instrument.maxMarketOrderQty } : {}),
    },
  );
}

export function notionalBelowInstrumentMinimum(
  qty: string,
  price: string,
  notional: string,
  instrument: InstrumentFilters,
): SizingFailure {
  return fail(
    'BELOW_MIN_NOTIONAL',
    `notional ${notional} USDT (qty ${qty} × ${price}) is below the instrument minimum ${instrument.minNotionalValue} USDT`,
    {
      qty,
      price,
      notional,
      minNotionalValue: instrument.minNotionalValue,
    },
  );
}

export function notionalBelowMinOrderSize(
  qty: string,
  price: string,
  notional: string,
  limits: SizingLimits,
): SizingFailure {
  return fail(
    'BELOW_MIN_ORDER_SIZE',
    `notional ${notional} USDT (qty ${qty} × ${price}) is below MIN_ORDER_SIZE_USDT ${limits.minOrderSizeUsdt}`,
    {
      qty,
      price,
      notional,
      minOrderSizeUsdt: limits.minOrderSizeUsdt,
    },
  );
}

export function exitsWithinOneTick(price: string, limits: SizingLimits, instrument: InstrumentFilters): SizingFailure {
  return fail(
    'INVALID_PRICE',
    `take-profit ${limits.takeProfitPct} % / stop-loss ${limits.stopLossPct} % of ${price} is less than one tick ${instrument.tickSize} from the entry`,
    {
      price,
      tickSize: instrument.tickSize,
      takeProfitPct: limits.takeProfitPct,
      stopLossPct: limits.stopLossPct,
    },
  );
}
