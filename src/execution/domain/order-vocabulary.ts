/**
 * The order and position vocabulary, defined once: entities, DTOs and the exchange adapters import it from here.
 * Spelled as Bybit spells them; the PostgreSQL enums of migration 1764000000000 hold the same values.
 * Bybit's own `orderStatus` (the venue's word) is `BybitOrderStatus` in ./exchange-status.ts; ours is `OrderStatus`.
 */
export const ORDER_SIDES = ['Buy', 'Sell'] as const;
export type OrderSide = (typeof ORDER_SIDES)[number];

export const ORDER_TYPES = ['Market', 'Limit'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export const ORDER_STATUSES = [
  'Pending',
  'Placed',
  'PartiallyFilled',
  'Filled',
  'Cancelled',
  'Rejected',
  'Failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses in which an order may still trade (idx_orders_active covers exactly these). */
export const ACTIVE_ORDER_STATUSES = ['Pending', 'Placed', 'PartiallyFilled'] as const satisfies readonly OrderStatus[];

export const TIME_IN_FORCE = ['GTC', 'IOC', 'FOK', 'PostOnly'] as const;
export type TimeInForce = (typeof TIME_IN_FORCE)[number];

export type JsonObject = { readonly [key: string]: unknown };

/** One validated state-machine transition, appended to `state_history` with time, cause and trace id. */
export interface StateTransitionRecord {
  readonly from: string | null;
  readonly to: string;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly cause: string;
  readonly traceId?: string;
}

export const POSITION_STATUSES = ['Opening', 'Open', 'Closing', 'Closed'] as const;
export type PositionStatus = (typeof POSITION_STATUSES)[number];

/** Everything but Closed: the positions that carry exposure (idx_positions_open_symbol). */
export const LIVE_POSITION_STATUSES = ['Opening', 'Open', 'Closing'] as const satisfies readonly PositionStatus[];
