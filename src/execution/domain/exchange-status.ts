import type { OrderStatus } from './order-vocabulary';
import { UnknownExchangeOrderStatusError } from './execution-domain.errors';

/** Bybit V5 `orderStatus` values (Enums Definitions), spelled as Bybit spells them. */
export const BYBIT_ORDER_STATUSES = [
  'New',
  'PartiallyFilled',
  'Untriggered',
  'Triggered',
  'Filled',
  'Cancelled',
  'PartiallyFilledCanceled',
  'Rejected',
  'Deactivated',
] as const;
export type BybitOrderStatus = (typeof BYBIT_ORDER_STATUSES)[number];

/**
 * The ONE place Bybit order statuses become internal ones.
 *
 * - New → Placed: accepted by the matching engine.
 * - Untriggered → Placed: a conditional order resting until its trigger; it is on the exchange.
 * - Triggered → Placed: momentary (the trigger fired, the order is being submitted as New).
 * - PartiallyFilled → PartiallyFilled.
 * - Filled → Filled.
 * - Cancelled → Cancelled, whatever cumExecQty is. On derivatives a partly filled then cancelled order is
 *   reported as Cancelled with cumExecQty > 0; there is no separate internal state: the fills live in
 *   filled_quantity, and the FSM allows PartiallyFilled → Cancelled (and Pending → Cancelled when the
 *   partial-fill push was never seen).
 * - PartiallyFilledCanceled (spot only) → Cancelled, same reason.
 * - Deactivated → Cancelled: a conditional/TP-SL order cancelled before it triggered; it never traded.
 * - Rejected → Rejected.
 * Nothing maps to Pending (a local state before any exchange answer) or Failed (never reached the exchange).
 */
const BYBIT_TO_ORDER_STATUS = {
  New: 'Placed',
  PartiallyFilled: 'PartiallyFilled',
  Untriggered: 'Placed',
  Triggered: 'Placed',
  Filled: 'Filled',
  Cancelled: 'Cancelled',
  PartiallyFilledCanceled: 'Cancelled',
  Rejected: 'Rejected',
  Deactivated: 'Cancelled',
} as const satisfies Record<BybitOrderStatus, OrderStatus>;

const DECIMAL = /^\d+(\.\d+)?$/;

export function isBybitOrderStatus(value: unknown): value is BybitOrderStatus {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(BYBIT_TO_ORDER_STATUS, value);
}

/**
 * Maps Bybit's `orderStatus` (with the record's `cumExecQty`, a decimal string; `""` counts as 0) onto OrderStatus.
 * Throws UnknownExchangeOrderStatusError for a status outside the enum or a malformed cumExecQty.
 */
export function orderStatusFromExchange(bybitStatus: unknown, cumExecQty: unknown): OrderStatus {
  if (!isBybitOrderStatus(bybitStatus)) {
    throw new UnknownExchangeOrderStatusError(bybitStatus, cumExecQty);
  }
  if (typeof cumExecQty !== 'string' || (cumExecQty !== '' && !DECIMAL.test(cumExecQty))) {
    throw new UnknownExchangeOrderStatusError(bybitStatus, cumExecQty);
  }
  return BYBIT_TO_ORDER_STATUS[bybitStatus];
}

/** True when Bybit reports a cancelled order that had traded (derivatives Cancelled + cumExecQty > 0, spot PartiallyFilledCanceled). */
export function isCancelledAfterPartialFill(bybitStatus: BybitOrderStatus, cumExecQty: string): boolean {
  if (bybitStatus === 'PartiallyFilledCanceled') return true;
  return bybitStatus === 'Cancelled' && /[1-9]/.test(cumExecQty);
}
