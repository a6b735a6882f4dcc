import { DecimalFormatError, formatScaled, parseUnits, toUnits } from '../../common/ticks';
import type { OrderBook } from '../../order-book/domain/order-book';
import { buildEntryGrid, EntryGrid, notionalText } from './entry-grid';
import { add, compare, multiply, parseRational, Rational, rationalOfNumber } from '../../common/money';
import {
  exitsWithinOneTick,
  notionalBelowInstrumentMinimum,
  notionalBelowMinOrderSize,
  qtyBelowMinimum,
  sizeEntry,
  SizingFailure,
} from './order-sizing';
import {
  EntryRequest,
  ExposureSnapshot,
  InstrumentFilters,
  rejection,
  RiskDecision,
  RiskLimits,
  TradeBreakerState,
} from './risk.types';

/** What the freshness rule reads from a book; order-book's OrderBook is passed as it is. */
export type BookReadiness = Pick<
  OrderBook,
  'synced' | 'crossed' | 'bidCount' | 'askCount' | 'lastUpdateMs' | 'canSignal'
>;

/** Why a book may or may not feed an entry; anything but 'fresh' refuses it (BOOK_STALE). */
export type BookCondition = 'fresh' | 'no-data' | 'resyncing' | 'crossed' | 'one-sided' | 'stale';

/** The part of the kill switch the rules read (the KillSwitch itself is passed). */
export interface KillSwitchView {
  readonly active: boolean;
  readonly reason: string | null;
}

/**
 * Everything one entry decision needs, gathered synchronously by EntryRiskGate (which reuses one object per call,
 * so the hot path allocates nothing but the decision).
 */
export interface EntryRiskInput {
  readonly request: EntryRequest;
  readonly killSwitch: KillSwitchView;
  /** undefined before the first book message of the symbol. */
  readonly book: BookReadiness | undefined;
  /** ORDERBOOK_STALE_MS. */
  readonly bookMaxAgeMs: number;
  readonly tradeBreaker: TradeBreakerState;
  readonly instrument: InstrumentFilters | undefined;
  readonly exposure: ExposureSnapshot;
  readonly limits: RiskLimits;
}

/** `canSignal` decides; the other accessors only say which of its conditions failed. */
export function bookCondition(book: BookReadiness | undefined, nowMs: number, maxAgeMs: number): BookCondition {
  if (!book) return 'no-data';
  if (book.canSignal(nowMs, maxAgeMs)) return 'fresh';
  // A crossed book also waits for a resync; 'crossed' says why.
  if (book.crossed) return 'crossed';
  if (!book.synced) return 'resyncing';
  if (book.bidCount === 0 || book.askCount === 0) return 'one-sided';
  return 'stale';
}

/**
 * The entry a signal may place, or the first rule it breaks. Rules run cheapest and most global first, so the
 * reason reported is the one an operator must fix first; every limit is "≤ max allowed": an order that brings
 * a figure exactly to its limit passes, one that would go past it is refused. Sizing rounds down and exposure
 * and margin are compared exactly, so rounding never increases risk.
 *
 * It runs once per signal, so always cold, and each function or builtin a cold call touches costs more than its
 * arithmetic. So the usual entry is decided here, written out in one function, in safe-integer arithmetic on ticks
 * and qty steps (no BigInt, no RegExp, no decimal string but the order's own), with a bound held in a module
 * constant rather than Number.isSafeInteger: past 2^53 an integer is still an integer, and past the bound. Whatever
 * that cannot be sure of goes to evaluateEntryExactly: filters or limits outside the grid (see buildEntryGrid), a
 * refused price (the exact rules word the problem), figures past 2^53, negative or NaN exposure figures, or an
 * exposure or margin within rounding distance of its limit.
 */
export function evaluateEntry(input: EntryRiskInput): RiskDecision {
  const { request, instrument, exposure, limits } = input;
  // admissionRejection's conditions, written out: cold, the call would cost as much as the checks. It words refusals.
  if (
    input.killSwitch.active ||
    !input.book?.canSignal(request.nowMs, input.bookMaxAgeMs) ||
    input.tradeBreaker === 'OPEN'
  ) {
    return admissionRejection(input) ?? evaluateEntryExactly(input);
  }
  const { symbol, side, price } = request;
  if (!instrument) return unknownInstrument(symbol);
  const cached = ENTRY_GRIDS.get(instrument);
  const grid = cached !== undefined && cached.limits === limits ? cached.grid : cacheEntryGrid(instrument, limits);
  if (!grid) return evaluateEntryExactly(input);

  // The price in ticks, for a plain positive decimal on the grid; the exact rules take any other price, and word its refusal.
  const ticks = parseUnits(price, grid.tickDecimals, grid.tickDigits);
  if (!(ticks > 0)) return evaluateEntryExactly(input);
  // positionsRejection's conditions, written out likewise.
  const inUse = exposure.symbolsInUse;
  if (inUse.has(symbol) || Math.max(exposure.openPositions, inUse.size) >= limits.maxOpenPositions)
    return positionsRejection(symbol, exposure, limits) ?? evaluateEntryExactly(input);

  // ORDER_SIZE_USDT / (price × step), rounded down, then capped. Divisions are exact: the remainder by %, then an
  // exact multiple divided; never a rounded float quotient near 2^53.
  const stepNotional = ticks * grid.stepNotionalPerTick;
  if (stepNotional > MAX_SAFE_INTEGER) return evaluateEntryExactly(input);
  let units = (grid.budget - (grid.budget % stepNotional)) / stepNotional;
  if (units > grid.capUnits) units = grid.capUnits;
  const notional = units * stepNotional;
  if (notional > MAX_SAFE_INTEGER) return evaluateEntryExactly(input);
  // A step's digits are at most its notional at one tick, so the qty's digits are at most the notional: exact too.
  const qty = formatScaled(units * grid.stepDigits, grid.stepDecimals);
  if (units < grid.minUnits)
    return sizingRejection(symbol, qtyBelowMinimum(qty, price, limits, instrument, units === grid.capUnits));
  if (notional < grid.minNotional)
    return sizingRejection(
      symbol,
      notionalBelowInstrumentMinimum(qty, price, notionalText(grid, notional), instrument),
    );
  if (notional < grid.minOrderSize)
    return sizingRejection(symbol, notionalBelowMinOrderSize(qty, price, notionalText(grid, notional), limits));

  // Exits round toward the entry: those above it (a Buy's take-profit, a Sell's stop-loss) down, those below it up.
  // Above-factors are positive; a below-factor is negative past 100 %, and truncation is then its ceiling.
  const buy = side === 'Buy';
  const aboveFactors = buy ? grid.takeProfit : grid.stopLoss;
  const belowFactors = buy ? grid.stopLoss : grid.takeProfit;
  const aboveScaled = ticks * aboveFactors.above;
  const belowScaled = ticks * belowFactors.below;
  if (!(aboveScaled <= MAX_SAFE_INTEGER && belowScaled <= MAX_SAFE_INTEGER && belowScaled >= -MAX_SAFE_INTEGER))
    return evaluateEntryExactly(input);
  const above = (aboveScaled - (aboveScaled % aboveFactors.scale)) / aboveFactors.scale;
  const belowRemainder = belowScaled % belowFactors.scale;
  const below = (belowScaled - belowRemainder) / belowFactors.scale + (belowRemainder > 0 ? 1 : 0);
  const aboveDigits = above * grid.tickDigits;
  if (aboveDigits > MAX_SAFE_INTEGER) return evaluateEntryExactly(input);
  if (below <= 0 || above === ticks || below === ticks)
    return sizingRejection(symbol, exitsWithinOneTick(price, limits, instrument));

  // One rounding of two exactly held integers: the very double that Number(notional decimal string) gives.
  const notionalUsdt = notional / grid.notionalsPerUsdt;
  const open = exposure.openNotionalUsdt;
  const pending = exposure.pendingNotionalUsdt;
  const max = limits.maxExposureUsdt;
  if (!(open >= 0 && pending >= 0 && max >= 0)) return evaluateEntryExactly(input);
  const excessExposure = open + pending + notionalUsdt - max;
  const exposureTolerance = (open + pending + notionalUsdt + max) * ROUNDING_TOLERANCE;
  if (!(excessExposure > exposureTolerance || excessExposure < -exposureTolerance)) return evaluateEntryExactly(input);
  if (excessExposure > 0) return exposureRejection(symbol, exposure, notionalText(grid, notional), limits);
  const balance = exposure.availableBalanceUsdt;
  if (balance !== null) {
    if (!(balance >= 0)) return evaluateEntryExactly(input);
    const leverage = marginLeverage(exposure.leverage);
    const buyingPower = balance * leverage;
    const excessMargin = notionalUsdt - buyingPower;
    const marginTolerance = (notionalUsdt + buyingPower) * ROUNDING_TOLERANCE;
    if (!(excessMargin > marginTolerance || excessMargin < -marginTolerance)) return evaluateEntryExactly(input);
    if (excessMargin > 0)
      return balanceRejection(symbol, notionalText(grid, notional), notionalUsdt, leverage, balance);
  }
  const aboveText = formatScaled(aboveDigits, grid.tickDecimals);
  const belowText = formatScaled(below * grid.tickDigits, grid.tickDecimals);
  return {
    approved: true,
    order: {
      symbol,
      side,
      qty,
      price,
      notionalUsdt,
      takeProfit: buy ? aboveText : belowText,
      stopLoss: buy ? belowText : aboveText,
    },
  };
}

const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/**
 * How far a float sum of non-negative terms may be from the same sum of the decimals their shortest round-trip
 * strings denote, relative to the sum of the terms: each term is within half an ulp of its decimal and the sum rounds
 * at most three times, seven half-ulp errors at most, under 2^-50; this is four times that. The order's notional
 * (at least 10^-22) is always a term, so the tolerance never underflows, and an infinite term makes it infinite:
 * nothing is then decided in floats.
 */
const ROUNDING_TOLERANCE = 2 ** -48;

/**
 * Each instrument object's grid for the last limits it was used with: EntryRiskGate passes one limits object on every
 * call, and a refresh of the instruments replaces their objects, which drops their grids.
 */
const ENTRY_GRIDS = new WeakMap<
  InstrumentFilters,
  { readonly limits: RiskLimits; readonly grid: EntryGrid | undefined }
>();

function cacheEntryGrid(instrument: InstrumentFilters, limits: RiskLimits): EntryGrid | undefined {
  const grid = buildEntryGrid(instrument, limits);
  ENTRY_GRIDS.set(instrument, { limits, grid });
  return grid;
}

/**
 * The rules in exact rational arithmetic (BigInt) on the decimal strings: the reference evaluateEntry must agree
 * with, and the judge of whatever its integer arithmetic cannot decide.
 */
export function evaluateEntryExactly(input: EntryRiskInput): RiskDecision {
  const refused = admissionRejection(input);
  if (refused) return refused;
  const { request, instrument, exposure, limits } = input;
  const { symbol, side, price } = request;
  if (!instrument) return unknownInstrument(symbol);
  const priceProblem = tickGridProblem(price, instrument.tickSize);
  if (priceProblem) return invalidPrice(symbol, price, instrument.tickSize, priceProblem);
  const crowded = positionsRejection(symbol, exposure, limits);
  if (crowded) return crowded;
  const sized = sizeEntry(side, price, limits, instrument);
  if (!sized.ok) return sizingRejection(symbol, sized);
  const notional = parseRational(sized.notional) as Rational;

  const used = exactUsdt(exposure.openNotionalUsdt, exposure.pendingNotionalUsdt);
  if (!used || compare(add(used, notional), rationalOfNumber(limits.maxExposureUsdt)) > 0)
    return exposureRejection(symbol, exposure, sized.notional, limits);
  const balance = exposure.availableBalanceUsdt;
  if (balance !== null) {
    const leverage = marginLeverage(exposure.leverage);
    const affordable =
      Number.isFinite(balance) &&
      compare(notional, multiply(rationalOfNumber(balance), rationalOfNumber(leverage))) <= 0;
    if (!affordable) return balanceRejection(symbol, sized.notional, sized.notionalUsdt, leverage, balance);
  }
  return {
    approved: true,
    order: {
      symbol,
      side,
      qty: sized.qty,
      price,
      notionalUsdt: sized.notionalUsdt,
      takeProfit: sized.takeProfit,
      stopLoss: sized.stopLoss,
    },
  };
}

/** The rules that do not depend on the order: kill switch, book freshness, trade breaker. */
function admissionRejection(input: EntryRiskInput): RiskDecision | undefined {
  const { symbol, nowMs } = input.request;
  if (input.killSwitch.active) {
    return rejection(
      'KILL_SWITCH_ACTIVE',
      `kill switch is active (${input.killSwitch.reason ?? 'no reason given'}): no entry for ${symbol}`,
      {
        symbol,
        reason: input.killSwitch.reason,
      },
    );
  }
  // canSignal alone decides; bookCondition only says why a book is refused.
  if (!input.book?.canSignal(nowMs, input.bookMaxAgeMs))
    return bookRejection(symbol, bookCondition(input.book, nowMs, input.bookMaxAgeMs), input);
  if (input.tradeBreaker === 'OPEN') {
    // HALF_OPEN passes on purpose: the breaker lets exactly one probe through, and an entry may be that probe.
    return rejection('BREAKER_OPEN', `the 'trade' circuit breaker is OPEN: no entry for ${symbol}`, {
      symbol,
      group: 'trade',
      state: input.tradeBreaker,
    });
  }
  return undefined;
}

function bookRejection(symbol: string, condition: BookCondition, input: EntryRiskInput): RiskDecision {
  const ageMs = input.book ? input.request.nowMs - input.book.lastUpdateMs : null;
  const why =
    condition === 'no-data'
      ? 'has no data yet'
      : condition === 'resyncing'
        ? 'is resyncing (waiting for a fresh snapshot)'
        : condition === 'crossed'
          ? 'is crossed (best bid ≥ best ask)'
          : condition === 'one-sided'
            ? 'has an empty side'
            : `is stale: last update ${ageMs} ms ago > ORDERBOOK_STALE_MS ${input.bookMaxAgeMs}`;
  return rejection('BOOK_STALE', `order book of ${symbol} ${why}`, {
    symbol,
    condition,
    ageMs: Number.isNaN(ageMs) ? null : ageMs,
    maxAgeMs: input.bookMaxAgeMs,
  });
}

function unknownInstrument(symbol: string): RiskDecision {
  return rejection('INSTRUMENT_UNKNOWN', `no instrument data for ${symbol}`, { symbol });
}

function invalidPrice(symbol: string, price: string, tickSize: string, problem: string): RiskDecision {
  return rejection('INVALID_PRICE', `price ${JSON.stringify(price)} ${problem} (tick ${tickSize})`, {
    symbol,
    price,
    tickSize,
  });
}

/** A position already open on the symbol, or no room for another one. */
function positionsRejection(symbol: string, exposure: ExposureSnapshot, limits: RiskLimits): RiskDecision | undefined {
  if (exposure.symbolsInUse.has(symbol)) {
    return rejection('POSITION_ALREADY_OPEN', `${symbol} already has a live position or an active entry order`, {
      symbol,
    });
  }
  // A symbol with only an active entry order is a position about to exist: it counts against the limit too.
  const positions = Math.max(exposure.openPositions, exposure.symbolsInUse.size);
  if (positions >= limits.maxOpenPositions) {
    return rejection(
      'MAX_OPEN_POSITIONS',
      `open positions ${positions} + 1 would exceed MAX_OPEN_POSITIONS ${limits.maxOpenPositions}`,
      {
        symbol,
        openPositions: positions,
        maxOpenPositions: limits.maxOpenPositions,
      },
    );
  }
  return undefined;
}

function sizingRejection(symbol: string, failure: SizingFailure): RiskDecision {
  return rejection(failure.code, failure.message, { symbol, ...failure.details });
}

function exposureRejection(
  symbol: string,
  exposure: ExposureSnapshot,
  notional: string,
  limits: RiskLimits,
): RiskDecision {
  return rejection(
    'MAX_EXPOSURE',
    `open ${exposure.openNotionalUsdt} + pending ${exposure.pendingNotionalUsdt} + this order ${notional} USDT would exceed MAX_EXPOSURE_USDT ${limits.maxExposureUsdt}`,
    {
      symbol,
      openNotionalUsdt: exposure.openNotionalUsdt,
      pendingNotionalUsdt: exposure.pendingNotionalUsdt,
      orderNotional: notional,
      maxExposureUsdt: limits.maxExposureUsdt,
    },
  );
}

function balanceRejection(
  symbol: string,
  notional: string,
  notionalUsdt: number,
  leverage: number,
  balance: number,
): RiskDecision {
  return rejection(
    'INSUFFICIENT_BALANCE',
    `margin ${notional} / ${leverage}x = ${notionalUsdt / leverage} USDT exceeds the available balance ${balance} USDT`,
    {
      symbol,
      orderNotional: notional,
      leverage,
      requiredMarginUsdt: notionalUsdt / leverage,
      availableBalanceUsdt: balance,
    },
  );
}

/** A nonsensical leverage (NaN, infinite, under 1) counts as 1: the largest margin, never a smaller one. */
function marginLeverage(leverage: number): number {
  return leverage >= 1 && leverage < Infinity ? leverage : 1;
}

/** What is wrong with `price` as an entry price, or undefined when it is a positive multiple of the tick. */
function tickGridProblem(price: string, tickSize: string): string | undefined {
  const exact = price.trim() === price ? parseRational(price) : undefined;
  if (!exact) return 'is not a plain decimal';
  if (exact.num <= 0n) return 'is not positive';
  try {
    toUnits(price, tickSize);
    return undefined;
  } catch (error) {
    if (error instanceof DecimalFormatError) return 'is not on the tick grid';
    throw error;
  }
}

/** open + pending as an exact rational; undefined when either is not a finite number (then nothing is allowed). */
function exactUsdt(open: number, pending: number): Rational | undefined {
  if (!Number.isFinite(open) || !Number.isFinite(pending)) return undefined;
  return add(rationalOfNumber(open), rationalOfNumber(pending));
}
