import type { OrderRecord, PositionRecord } from './execution-store';
import type { OrderSide, OrderStatus, OrderType, PositionStatus } from './order-vocabulary';

/**
 * After-the-fact execution events (audit rows, /ws `orders` and `positions` pushes). Published after the write
 * they describe has committed, never awaited by the publisher: an audit failure cannot fail or slow an order.
 * Every payload carries the trace id of the signal (or recovery run) that caused it.
 */

/** What is known of an order at the moment of an event (decimal strings, as stored). */
export interface OrderView {
  readonly id: string;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly orderType: OrderType;
  readonly status: OrderStatus;
  readonly quantity: string;
  readonly price: string | null;
  readonly filledQuantity: string;
  readonly avgFillPrice: string | null;
  readonly fee: string;
  readonly reduceOnly: boolean;
  readonly positionId: string | null;
}

/** What is known of a position at the moment of an event. */
export interface PositionView {
  readonly id: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly status: PositionStatus;
  readonly quantity: string;
  readonly entryPrice: string | null;
  readonly exitPrice: string | null;
  readonly realizedPnl: string;
  readonly unrealizedPnl: string;
  readonly fees: string;
  readonly takeProfit: string | null;
  readonly stopLoss: string | null;
  readonly exitReason: string | null;
}

/** Signal, market and indicator context at open or at close (JSONB-safe plain values). */
export interface TradeContext {
  readonly signal?: Readonly<Record<string, unknown>> | null;
  readonly market?: Readonly<Record<string, unknown>> | null;
  readonly indicators?: Readonly<Record<string, unknown>> | null;
}

export interface ExecutionEvents {
  /** The order was written as Pending (write-ahead) and is about to be sent. */
  'order.created': {
    readonly traceId?: string;
    readonly actor: string;
    readonly order: OrderView;
    readonly reason: string;
    readonly context?: TradeContext;
  };
  /** A cancel was sent for an order (by the bot or an operator). */
  'order.cancel-requested': {
    readonly traceId?: string;
    readonly actor: string;
    readonly order: OrderView;
    readonly reason: string;
    readonly success: boolean;
    readonly error?: string;
  };
  /** A validated FSM transition was persisted. `error` is set for Rejected/Failed. */
  'order.status-changed': {
    readonly traceId?: string;
    readonly actor: string;
    readonly from: OrderStatus;
    readonly order: OrderView;
    readonly cause: string;
    readonly error?: string;
  };
  /** One execution (fill) was applied to the order (and its position). */
  'order.filled': {
    readonly traceId?: string;
    readonly actor: string;
    readonly order: OrderView;
    readonly fill: {
      readonly execId: string;
      readonly price: string;
      readonly quantity: string;
      readonly fee: string;
      readonly isMaker: boolean;
      readonly executedAt: string;
    };
  };
  'position.opened': {
    readonly traceId?: string;
    readonly actor: string;
    readonly position: PositionView;
    readonly context?: TradeContext;
  };
  /** Size, price or status changed without opening or closing (another fill, Closing, back to Open). */
  'position.updated': {
    readonly traceId?: string;
    readonly actor: string;
    readonly before: PositionView;
    readonly position: PositionView;
    readonly cause: string;
  };
  'position.closed': {
    readonly traceId?: string;
    readonly actor: string;
    readonly position: PositionView;
    readonly entryContext?: TradeContext;
    readonly exitContext?: TradeContext;
  };
}

export type ExecutionEventName = keyof ExecutionEvents;

/** Where the kernel publishes its events: the EventBus live, a recorder (or nothing) in a backtest. */
export interface ExecutionEventSink {
  publish<K extends ExecutionEventName>(name: K, payload: ExecutionEvents[K]): void;
}

/** Records stay inside the kernel and its stores: events, DTOs and other modules see these plain views. */
export function toOrderView(order: OrderRecord): OrderView {
  return {
    id: order.id,
    clientOrderId: order.clientOrderId,
    exchangeOrderId: order.exchangeOrderId,
    symbol: order.symbol,
    side: order.side,
    orderType: order.orderType,
    status: order.status,
    quantity: order.quantity,
    price: order.price,
    filledQuantity: order.filledQuantity,
    avgFillPrice: order.avgFillPrice,
    fee: order.fee,
    reduceOnly: order.reduceOnly,
    positionId: order.positionId,
  };
}

export function toPositionView(position: PositionRecord): PositionView {
  return {
    id: position.id,
    symbol: position.symbol,
    side: position.side,
    status: position.status,
    quantity: position.quantity,
    entryPrice: position.entryPrice,
    exitPrice: position.exitPrice,
    realizedPnl: position.realizedPnl,
    unrealizedPnl: position.unrealizedPnl,
    fees: position.fees,
    takeProfit: position.takeProfit,
    stopLoss: position.stopLoss,
    exitReason: position.exitReason,
  };
}
