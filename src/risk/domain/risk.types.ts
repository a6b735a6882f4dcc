export type EntrySide = 'Buy' | 'Sell';

export const RISK_REJECTION_CODES = [
  'KILL_SWITCH_ACTIVE',
  'BOOK_STALE',
  'BREAKER_OPEN',
  'INSTRUMENT_UNKNOWN',
  'INVALID_PRICE',
  'POSITION_ALREADY_OPEN',
  'MAX_OPEN_POSITIONS',
  'MAX_EXPOSURE',
  'BELOW_MIN_ORDER_SIZE',
  'BELOW_MIN_QTY',
  'BELOW_MIN_NOTIONAL',
  'INSUFFICIENT_BALANCE',
] as const;
export type RiskRejectionCode = (typeof RISK_REJECTION_CODES)[number];

/** What execution knows right now (in memory, no DB): provided synchronously. */
export interface ExposureSnapshot {
  /** Live positions (Opening/Open/Closing). */
  readonly openPositions: number;
  /** Symbols with a live position or an active entry order. */
  readonly symbolsInUse: ReadonlySet<string>;
  /** Σ |size| × entry price of live positions. */
  readonly openNotionalUsdt: number;
  /** Σ notional of active (unfilled part of) entry orders. */
  readonly pendingNotionalUsdt: number;
  /** Wallet available balance; null = unknown yet. */
  readonly availableBalanceUsdt: number | null;
  /** ≥ 1; margin needed = notional / leverage. */
  readonly leverage: number;
}

export interface EntryRequest {
  readonly symbol: string;
  readonly side: EntrySide;
  /** Signal price, decimal on the instrument's tick grid. */
  readonly price: string;
  readonly nowMs: number;
}

export interface SizedEntry {
  readonly symbol: string;
  readonly side: EntrySide;
  readonly qty: string;
  readonly price: string;
  readonly notionalUsdt: number;
  readonly takeProfit: string;
  readonly stopLoss: string;
}

export type RiskDecision =
  | { readonly approved: true; readonly order: SizedEntry }
  | {
      readonly approved: false;
      readonly code: RiskRejectionCode;
      readonly message: string;
      readonly details: Readonly<Record<string, unknown>>;
    };

export type RiskRejection = Extract<RiskDecision, { approved: false }>;

/** The exchange breaker states (same spelling as the exchange module's), restated so domain/ imports nothing. */
export type TradeBreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** The instrument filters sizing needs (an exchange Instrument satisfies it structurally). Decimal strings. */
export interface InstrumentFilters {
  readonly tickSize: string;
  readonly qtyStep: string;
  readonly minOrderQty: string;
  readonly maxMarketOrderQty: string;
  readonly minNotionalValue: string;
}

/** RISK configuration (USDT amounts; percentages as percent, 0.3 = 0.3 %). */
export interface RiskLimits {
  readonly maxOpenPositions: number;
  readonly maxExposureUsdt: number;
  readonly minOrderSizeUsdt: number;
  readonly orderSizeUsdt: number;
  readonly takeProfitPct: number;
  readonly stopLossPct: number;
}

export const EMPTY_EXPOSURE: ExposureSnapshot = Object.freeze({
  openPositions: 0,
  symbolsInUse: new Set<string>(),
  openNotionalUsdt: 0,
  pendingNotionalUsdt: 0,
  availableBalanceUsdt: null,
  leverage: 1,
});

export function rejection(
  code: RiskRejectionCode,
  message: string,
  details: Record<string, unknown> = {},
): RiskRejection {
  return { approved: false, code, message, details: Object.freeze({ ...details }) };
}
