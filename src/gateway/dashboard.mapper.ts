import { isoUtc } from '../common/iso-time';
import type { Signal } from '../strategy/domain/signal';
import { SignalMetricsView, toSignalMetricsView } from '../strategy/signal-metrics.mapper';
import type { DomainEvents } from '../infra/events/domain-events';

/** JSON shape of a `signals` push (field names and decimal strings as in GET /trading/signals). */
export interface SignalPush {
  readonly id: string;
  readonly strategy: string;
  readonly symbol: string;
  readonly side: string;
  readonly strength: number;
  readonly reason: string;
  readonly price: string;
  /** ISO-8601 time of the signal. */
  readonly at: string;
  readonly bookU: number;
  readonly bookSeq: number;
  readonly metrics: SignalMetricsView;
}

/** `tickSize` writes the metrics' prices on the symbol's grid (10 decimals when unknown). */
export function toSignalPush(signal: Signal, tickSize: string | undefined): SignalPush {
  return {
    id: signal.id,
    strategy: signal.strategy,
    symbol: signal.symbol,
    side: signal.side,
    strength: signal.strength,
    reason: signal.reason,
    price: signal.price,
    at: isoUtc(Math.round(signal.atMs)),
    bookU: signal.context.bookU,
    bookSeq: signal.context.bookSeq,
    metrics: toSignalMetricsView(signal.context.metrics, tickSize),
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

/** An order as the `orders` channel shows it: the event's view, decimal strings kept. */
export interface OrderPushView {
  readonly id: string;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  readonly symbol: string;
  readonly side: OrderView['side'];
  readonly orderType: OrderView['orderType'];
  readonly status: OrderView['status'];
  readonly quantity: string;
  readonly price: string | null;
  readonly filledQuantity: string;
  readonly avgFillPrice: string | null;
  readonly fee: string;
  readonly reduceOnly: boolean;
  readonly positionId: string | null;
}

/** A position as the `positions` channel shows it (field names as in GET /trading/positions). */
export interface PositionPushView {
  readonly id: string;
  readonly symbol: string;
  readonly side: PositionView['side'];
  readonly status: PositionView['status'];
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

export interface FillPush {
  readonly execId: string;
  readonly price: string;
  readonly quantity: string;
  readonly fee: string;
  readonly isMaker: boolean;
  readonly executedAt: string;
}

/** Common to every event push: what happened, who did it, the trace, and when the gateway received it. */
interface EventPushBase<E extends string> {
  readonly event: E;
  readonly actor: string;
  readonly traceId: string | null;
  /** ISO-8601 time the gateway received the event. */
  readonly at: string;
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
  return { actor: event.actor, traceId: event.traceId ?? null, at: isoUtc(Math.round(atMs)) };
}

/** `error` only when there is one: absent rather than undefined/null on the wire. */
function withError<T extends OrderPush>(push: T, error: string | undefined): T {
  return error === undefined ? push : { ...push, error };
}

export function toOrderPushView(order: OrderView): OrderPushView {
  const { id, symbol, side, status, quantity, price, fee } = order;
  return {
    id,
    clientOrderId: order.clientOrderId,
    exchangeOrderId: order.exchangeOrderId,
    symbol,
    side,
    orderType: order.orderType,
    status,
    quantity,
    price,
    filledQuantity: order.filledQuantity,
    avgFillPrice: order.avgFillPrice,
    fee,
    reduceOnly: order.reduceOnly,
    positionId: order.positionId,
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
    entryPrice: position.entryPrice,
    exitPrice: position.exitPrice,
    realizedPnl: position.realizedPnl,
    unrealizedPnl: position.unrealizedPnl,
    fees,
    takeProfit: position.takeProfit,
    stopLoss: position.stopLoss,
    exitReason: position.exitReason,
  };
}

function toFillPush(fill: Fill): FillPush {
  return {
    execId: fill.execId,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    isMaker: fill.isMaker,
    executedAt: fill.executedAt,
  };
}
