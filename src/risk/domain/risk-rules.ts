import { DecimalFormatError, toUnits } from '../../common/ticks';
import type { OrderBook } from '../../order-book/domain/order-book';
import { add, compare, multiply, parseRational, Rational, rationalOfNumber } from './exact-decimal';
import { sizeEntry } from './order-sizing';
import { EntryRequest, ExposureSnapshot, InstrumentFilters, rejection, RiskDecision, RiskLimits, TradeBreakerState } from './risk.types';

/** What the freshness rule reads from a book; order-book's OrderBook is passed as it is. */
export type BookReadiness = Pick<OrderBook, 'synced' | 'crossed' | 'bidCount' | 'askCount' | 'lastUpdateMs' | 'canSignal'>;

/** Why a book may or may not feed an entry; anything but 'fresh' refuses it (BOOK_STALE). */
export type BookCondition = 'fresh' | 'no-data' | 'resyncing' | 'crossed' | 'one-sided' | 'stale';

/** The part of the kill switch the rules read (the KillSwitch itself is passed). */
export interface KillSwitchView {
  readonly active: boolean;
  readonly reason: string | null;
}

/**
 * Everything one entry decision needs, gathered synchronously by RiskService (which reuses one object per call,
 * so the hot path allocates nothing but the decision).
 */
export interface EntryRiskInput {
  readonly request: EntryRequest;
  readonly tradingEnabled: boolean;
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
 */
export function evaluateEntry(input: EntryRiskInput): RiskDecision {
  const { request, exposure, limits } = input;
  const { symbol, side, price } = request;
  if (!input.tradingEnabled) return rejection('BOT_NOT_TRADING', `trading is disabled: no entry for ${symbol}`, { symbol });
  if (input.killSwitch.active) {
    return rejection('KILL_SWITCH_ACTIVE', `kill switch is active (${input.killSwitch.reason ?? 'no reason given'}): no entry for ${symbol}`, {
      symbol,
      reason: input.killSwitch.reason,
    });
  }
  const book = bookCondition(input.book, request.nowMs, input.bookMaxAgeMs);
  if (book !== 'fresh') return bookRejection(symbol, book, input);
  if (input.tradeBreaker === 'OPEN') {
    // HALF_OPEN passes on purpose: the breaker lets exactly one probe through, and an entry may be that probe.
    return rejection('BREAKER_OPEN', `the 'trade' circuit breaker is OPEN: no entry for ${symbol}`, { symbol, group: 'trade', state: input.tradeBreaker });
  }
  const instrument = input.instrument;
  if (!instrument) return rejection('INSTRUMENT_UNKNOWN', `no instrument data for ${symbol}`, { symbol });
  const priceProblem = tickGridProblem(price, instrument.tickSize);
  if (priceProblem) {
    return rejection('INVALID_PRICE', `price ${JSON.stringify(price)} ${priceProblem} (tick ${instrument.tickSize})`, { symbol, price, tickSize: instrument.tickSize });
  }
  if (exposure.symbolsInUse.has(symbol)) {
    return rejection('POSITION_ALREADY_OPEN', `${symbol} already has a live position or an active entry order`, { symbol });
  }
  // A symbol with only an active entry order is a position about to exist: it counts against the limit too.
  const positions = Math.max(exposure.openPositions, exposure.symbolsInUse.size);
  if (positions >= limits.maxOpenPositions) {
    return rejection('MAX_OPEN_POSITIONS', `open positions ${positions} + 1 would exceed MAX_OPEN_POSITIONS ${limits.maxOpenPositions}`, {
      symbol,
      openPositions: positions,
      maxOpenPositions: limits.maxOpenPositions,
    });
  }
  const sized = sizeEntry(side, price, limits, instrument);
  if (!sized.ok) return rejection(sized.code, sized.message, { symbol, ...sized.details });
  const notional = parseRational(sized.notional) as Rational;

  const used = exactUsdt(exposure.openNotionalUsdt, exposure.pendingNotionalUsdt);
  if (!used || compare(add(used, notional), rationalOfNumber(limits.maxExposureUsdt)) > 0) {
    return rejection(
      'MAX_EXPOSURE',
      `open ${exposure.openNotionalUsdt} + pending ${exposure.pendingNotionalUsdt} + this order ${sized.notional} USDT would exceed MAX_EXPOSURE_USDT ${limits.maxExposureUsdt}`,
      {
        symbol,
        openNotionalUsdt: exposure.openNotionalUsdt,
        pendingNotionalUsdt: exposure.pendingNotionalUsdt,
        orderNotional: sized.notional,
        maxExposureUsdt: limits.maxExposureUsdt,
      },
    );
  }
  const balance = exposure.availableBalanceUsdt;
  if (balance !== null) {
    // A nonsensical leverage counts as 1: the largest margin, never a smaller one.
    const leverage = Number.isFinite(exposure.leverage) && exposure.leverage >= 1 ? exposure.leverage : 1;
    const affordable = Number.isFinite(balance) && compare(notional, multiply(rationalOfNumber(balance), rationalOfNumber(leverage))) <= 0;
    if (!affordable) {
      return rejection(
        'INSUFFICIENT_BALANCE',
        `margin ${sized.notional} / ${leverage}x = ${sized.notionalUsdt / leverage} USDT exceeds the available balance ${balance} USDT`,
        { symbol, orderNotional: sized.notional, leverage, requiredMarginUsdt: sized.notionalUsdt / leverage, availableBalanceUsdt: balance },
      );
    }
  }
  return {
    approved: true,
    order: { symbol, side, qty: sized.qty, price, notionalUsdt: sized.notionalUsdt, takeProfit: sized.takeProfit, stopLoss: sized.stopLoss },
  };
}

function bookRejection(symbol: string, condition: Exclude<BookCondition, 'fresh'>, input: EntryRiskInput): RiskDecision {
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
  return rejection('BOOK_STALE', `order book of ${symbol} ${why}`, { symbol, condition, ageMs: Number.isNaN(ageMs) ? null : ageMs, maxAgeMs: input.bookMaxAgeMs });
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
