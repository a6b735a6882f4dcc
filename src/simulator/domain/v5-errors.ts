/**
 * Bybit V5 business errors as values. The simulator answers them as HTTP 200 with `retCode≠0` (BYBIT.md §2, §9),
 * so they are not DomainErrors with a kind: the transport copies `retCode`/`retMsg` into the envelope verbatim.
 * Codes and meanings: Bybit V5 docs, Error Codes (https://bybit-exchange.github.io/docs/v5/error). Where Bybit's
 * exact retMsg text is not documented the message is marked "unconfirmed"; clients key on retCode, never retMsg.
 */
export interface V5Error {
  readonly retCode: number;
  readonly retMsg: string;
}

export const V5_ERRORS = {
  /** Request parameter error; Bybit puts the detail in retMsg (text varies per parameter). */
  PARAMS: { retCode: 10001, retMsg: 'params error' },
  TOO_MANY_VISITS: { retCode: 10006, retMsg: 'Too many visits!' }, // BYBIT.md §8
  ORDER_NOT_EXISTS: { retCode: 110001, retMsg: 'Order does not exist' },
  PRICE_OUT_OF_RANGE: { retCode: 110003, retMsg: 'Order price exceeds the allowable range' },
  WALLET_INSUFFICIENT: { retCode: 110004, retMsg: 'Wallet balance is insufficient' },
  /** The brief and BYBIT.md §9 spell this one exactly. */
  AVAILABLE_INSUFFICIENT: { retCode: 110007, retMsg: 'Available balance is insufficient' },
  ORDER_FINISHED: { retCode: 110008, retMsg: 'The order has been finished or canceled' },
  ORDER_CANCELLED: { retCode: 110010, retMsg: 'The order has been cancelled' },
  BALANCE_NOT_ENOUGH: { retCode: 110012, retMsg: 'Insufficient available balance' },
  /** Docs: "Reduce-only rule not satisfied". BYBIT.md §9 also files "qty truncates to 0" under 110017. */
  REDUCE_ONLY: { retCode: 110017, retMsg: 'Reduce-only rule not satisfied' },
  /** Seen from Bybit for a reduce-only order on a flat position. */
  REDUCE_ONLY_ZERO_POSITION: { retCode: 110017, retMsg: 'current position is zero, cannot fix reduce-only order qty' },
  QTY_TRUNCATED_TO_ZERO: { retCode: 110017, retMsg: 'orderQty will be truncated to zero.' },
  TOO_MANY_ACTIVE_ORDERS: { retCode: 110020, retMsg: 'Not allowed to have more than 500 active orders' },
  LEVERAGE_NOT_MODIFIED: { retCode: 110043, retMsg: 'Set leverage has not been modified' },
  MARGIN_INSUFFICIENT: { retCode: 110044, retMsg: 'Available margin is insufficient' },
  /** The brief spells this retMsg exactly; the bot treats 110072 as an idempotent hit. */
  DUPLICATE_ORDER_LINK_ID: { retCode: 110072, retMsg: 'OrderLinkedID is duplicate' },
  MIN_NOTIONAL: { retCode: 110094, retMsg: 'Order does not meet minimum order value' },
  /** Amend with nothing to change (unconfirmed which code Bybit uses for linear; 34040 is "Not modified"). */
  NOT_MODIFIED: { retCode: 34040, retMsg: 'Not modified' },
} as const satisfies Record<string, V5Error>;

export type V5ErrorName = keyof typeof V5_ERRORS;

/**
 * A business rejection: the request is refused before any state changes and nothing is pushed on the private
 * stream. `detail` replaces retMsg when Bybit reports the particular parameter (10001 "Qty invalid", …).
 */
export class SimulatorRejection extends Error {
  readonly retCode: number;
  readonly retMsg: string;

  constructor(
    readonly error: V5Error,
    detail?: string,
  ) {
    super(detail ?? error.retMsg);
    this.name = 'SimulatorRejection';
    this.retCode = error.retCode;
    this.retMsg = detail ?? error.retMsg;
  }

  toV5(): V5Error {
    return { retCode: this.retCode, retMsg: this.retMsg };
  }
}

export function reject(error: V5Error, detail?: string): never {
  throw new SimulatorRejection(error, detail);
}
