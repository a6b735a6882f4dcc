import type { Signal } from '../strategy/domain/signal';
import type { DomainEvents } from '../infra/events/domain-events';

/** JSON shape of a `signals` push (snake_case like the REST API). */
export interface SignalPush {
  readonly id: string;
  readonly strategy: string;
  readonly symbol: string;
  readonly side: string;
  readonly strength: number;
  readonly reason: string;
  readonly price: string;
  readonly at_ms: number;
  readonly book_u: number;
  readonly book_seq: number;
  readonly metrics: Signal['context']['metrics'];
}

export function toSignalPush(signal: Signal): SignalPush {
  return {
    id: signal.id,
    strategy: signal.strategy,
    symbol: signal.symbol,
    side: signal.side,
    strength: signal.strength,
    reason: signal.reason,
    price: signal.price,
    at_ms: signal.atMs,
    book_u: signal.context.bookU,
    book_seq: signal.context.bookSeq,
    metrics: signal.context.metrics,
  };
}

// Execution's event payloads, through DomainEvents only: the gateway never imports execution code.
type OrderEvents = Pick<
  DomainEvents,
  'order.created' | 'order.cancel-requested' | 'order.status-changed' | 'order.filled'
>;
type PositionEvents = Pick<DomainEvents, 'position.opened' | 'position.updated' | 'position.closed'>;
export type OrderEventName = keyof OrderEvents;
export type PositionEventName = keyof PositionEvents;
type OrderView = DomainEvents['order.created']['order'];
type PositionView = DomainEvents['position.opened']['position'];
type Fill = DomainEvents['order.filled']['fill'];

/** An order as the `orders` channel shows it: the event's view in the REST API's snake_case, decimal strings kept. */
export interface OrderPushView {
  readonly id: string;
  readonly client_order_id: string;
  readonly exchange_order_id: string | null;
  readonly symbol: string;
  readonly side: OrderView['side'];
  readonly order_type: OrderView['orderType'];
  readonly status: OrderView['status'];
  readonly quantity: string;
  readonly price: string | null;
  readonly filled_quantity: string;
  readonly avg_fill_price: string | null;
  readonly fee: string;
  readonly reduce_only: boolean;
  readonly position_id: string | null;
}

/** A position as the `positions` channel shows it (field names as in GET /trading/positions). */
export interface PositionPushView {
  readonly id: string;
  readonly symbol: string;
  readonly side: PositionView['side'];
  readonly status: PositionView['status'];
  readonly quantity: string;
  readonly entry_price: string | null;
  readonly exit_price: string | null;
  readonly realised_pnl: string;
  readonly unrealised_pnl: string;
  readonly fees: string;
  readonly take_profit: string | null;
  readonly stop_loss: string | null;
  readonly exit_reason: string | null;
}

export interface FillPush {
  readonly exec_id: string;
  readonly price: string;
  readonly quantity: string;
  readonly fee: string;
  readonly is_maker: boolean;
  readonly executed_at: string;
}

/** Common to every event push: what happened, who did it, the trace, and when the gateway received it. */
interface EventPushBase<E extends string> {
  readonly event: E;
  readonly actor: string;
  readonly trace_id: string | null;
  readonly at_ms: number;
}

/** JSON shape of an `orders` / `orders:{symbol}` push; the optional fields belong to the events named beside them. */
export interface OrderPush extends EventPushBase<'created' | 'cancel-requested' | 'status-changed' | 'filled'> {
  readonly order: OrderPushView;
  /** created, cancel-requested */
  readonly reason?: string;
  /** cancel-requested */
  readonly success?: boolean;
  /** status-changed: the status the order left, and why */
  readonly from?: OrderView['status'];
  readonly cause?: string;
  /** cancel-requested that failed, status-changed to Rejected/Failed */
  readonly error?: string;
  /** filled: the one execution applied */
  readonly fill?: FillPush;
}

/** JSON shape of a `positions` / `positions:{symbol}` push. */
export interface PositionPush extends EventPushBase<'opened' | 'updated' | 'closed'> {
  readonly position: PositionPushView;
  /** updated */
  readonly cause?: string;
}

type PushMappings<Events, Push> = { readonly [K in keyof Events]: (event: Events[K], atMs: number) => Push };

/** One pure function per execution event; the trade context of created/opened/closed is left out (see signals). */
export const ORDER_PUSHES: PushMappings<OrderEvents, OrderPush> = {
  'order.created': (e, atMs) => ({
    event: 'created',
    ...stamp(e, atMs),
    order: toOrderPushView(e.order),
    reason: e.reason,
  }),
  'order.cancel-requested': (e, atMs) =>
    withError(
      {
        event: 'cancel-requested',
        ...stamp(e, atMs),
        order: toOrderPushView(e.order),
        reason: e.reason,
        success: e.success,
      },
      e.error,
    ),
  'order.status-changed': (e, atMs) =>
    withError(
      { event: 'status-changed', ...stamp(e, atMs), order: toOrderPushView(e.order), from: e.from, cause: e.cause },
      e.error,
    ),
  'order.filled': (e, atMs) => ({
    event: 'filled',
    ...stamp(e, atMs),
    order: toOrderPushView(e.order),
    fill: toFillPush(e.fill),
  }),
};

export const POSITION_PUSHES: PushMappings<PositionEvents, PositionPush> = {
  'position.opened': (e, atMs) => ({ event: 'opened', ...stamp(e, atMs), position: toPositionPushView(e.position) }),
  'position.updated': (e, atMs) => ({
    event: 'updated',
    ...stamp(e, atMs),
    position: toPositionPushView(e.position),
    cause: e.cause,
  }),
  'position.closed': (e, atMs) => ({ event: 'closed', ...stamp(e, atMs), position: toPositionPushView(e.position) }),
};

function stamp(event: { readonly actor: string; readonly traceId?: string }, atMs: number) {
  return { actor: event.actor, trace_id: event.traceId ?? null, at_ms: atMs };
}

/** `error` only when there is one: absent rather than undefined/null on the wire. */
function withError<T extends OrderPush>(push: T, error: string | undefined): T {
  return error === undefined ? push : { ...push, error };
}

export function toOrderPushView(order: OrderView): OrderPushView {
  const { id, symbol, side, status, quantity, price, fee } = order;
  return {
    id,
    client_order_id: order.clientOrderId,
    exchange_order_id: order.exchangeOrderId,
    symbol,
    side,
    order_type: order.orderType,
    status,
    quantity,
    price,
    filled_quantity: order.filledQuantity,
    avg_fill_price: order.avgFillPrice,
    fee,
    reduce_only: order.reduceOnly,
    position_id: order.positionId,
  };
}

export function toPositionPushView(position: PositionView): PositionPushView {
  const { id, symbol, side, status, quantity, fees } = position;
  return {
    id,
    symbol,
    side,
    status,
    quantity,
    entry_price: position.entryPrice,
    exit_price: position.exitPrice,
    realised_pnl: position.realizedPnl,
    unrealised_pnl: position.unrealizedPnl,
    fees,
    take_profit: position.takeProfit,
    stop_loss: position.stopLoss,
    exit_reason: position.exitReason,
  };
}

function toFillPush(fill: Fill): FillPush {
  return {
    exec_id: fill.execId,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    is_maker: fill.isMaker,
    executed_at: fill.executedAt,
  };
}
