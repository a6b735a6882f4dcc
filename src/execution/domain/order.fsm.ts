import type { OrderStatus, StateTransitionRecord } from './order-vocabulary';
import { StateMachine, TransitionCause, TransitionTable, transitionRecord } from './state-machine';

/**
 * Allowed order moves. Everything not listed is refused.
 *
 * - Pending (written locally, request not yet acknowledged):
 *   - Placed: the REST create was acknowledged (retCode 0) or the WS push says New/Untriggered.
 *   - PartiallyFilled, Filled, Cancelled, Rejected: the private WS `order` push can beat the REST ack,
 *     so the first status we learn may already be a later one (an IOC/market order can even be
 *     Cancelled or Filled before the ack arrives).
 *   - Failed: the send failed before reaching the exchange (network/breaker/rate limiter, or a
 *     REST error that proves the order was not created). Only Pending can fail.
 * - Placed (resting on the book, or an untriggered conditional order):
 *   - PartiallyFilled, Filled, Cancelled: normal life of a resting order.
 *   - Rejected: Bybit's create is asynchronous ("use the websocket to confirm the order status"),
 *     so a REST-acknowledged order can still be rejected by the matching engine afterwards.
 * - PartiallyFilled:
 *   - PartiallyFilled: another partial fill (filled quantity grows, status stays the same).
 *   - Filled: the rest filled.
 *   - Cancelled: cancelled with part filled (Bybit derivatives: Cancelled with cumExecQty > 0;
 *     spot: PartiallyFilledCanceled); the fills stay recorded in filled_quantity.
 * - Filled, Cancelled, Rejected, Failed: terminal, no exits. A duplicate terminal push (Bybit sends two
 *   `Filled` pushes when a cancel races a fill) is refused here; callers treat a same-status update on a
 *   terminal order as an idempotent no-op before asking the machine.
 */
export const ORDER_TRANSITIONS = {
  Pending: ['Placed', 'PartiallyFilled', 'Filled', 'Cancelled', 'Rejected', 'Failed'],
  Placed: ['PartiallyFilled', 'Filled', 'Cancelled', 'Rejected'],
  PartiallyFilled: ['PartiallyFilled', 'Filled', 'Cancelled'],
  Filled: [],
  Cancelled: [],
  Rejected: [],
  Failed: [],
} as const satisfies TransitionTable<OrderStatus>;

export const INITIAL_ORDER_STATUS = 'Pending' satisfies OrderStatus;

export class OrderStateMachine extends StateMachine<OrderStatus> {
  private constructor(status: OrderStatus, history: readonly StateTransitionRecord[]) {
    super('order', ORDER_TRANSITIONS, status, history);
  }

  /** A new order in Pending, its history starting with the creation record (from null). */
  static create(cause: TransitionCause): OrderStateMachine {
    return new OrderStateMachine(INITIAL_ORDER_STATUS, [transitionRecord(null, INITIAL_ORDER_STATUS, cause)]);
  }

  /** Rebuilds the machine from a persisted row; throws InvalidHistoryError if the history ends elsewhere. */
  static restore(status: OrderStatus, history: readonly StateTransitionRecord[] = []): OrderStateMachine {
    return new OrderStateMachine(status, history);
  }
}

/**
 * The store changes of moving a order record to `to`: the extra `changes`, the new status and the history with the
 * validated move appended (throws InvalidTransitionError for a move the table refuses). Pure: the caller writes
 * them with the record's version.
 */
export function orderTransition<C extends object>(
  order: {
    readonly status: OrderStatus;
    readonly stateHistory: readonly StateTransitionRecord[];
    readonly traceId: string | null;
  },
  to: OrderStatus,
  how: { readonly cause: string; readonly atMs: number },
  changes: C,
): C & { status: OrderStatus; stateHistory: StateTransitionRecord[] } {
  const machine = OrderStateMachine.restore(order.status, order.stateHistory);
  machine.transition(to, { cause: how.cause, atMs: how.atMs, traceId: order.traceId ?? undefined });
  return { ...changes, status: to, stateHistory: [...machine.history] };
}
