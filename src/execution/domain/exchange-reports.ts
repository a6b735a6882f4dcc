import { isPositiveDecimal } from '../../common/money';
import type { ExchangeRest } from '../../exchange/exchange.port';
import type { ExchangeExecution, ExchangeOrder, OrderAck } from '../../exchange/exchange.types';
import { orderStatusFromExchange } from './exchange-status';
import { toOrderView, type ExecutionEventSink } from './execution-events';
import type { ExecutionStore, OrderRecord, OrderRecordChanges } from './execution-store';
import type { FillRecorder } from './fill-recorder';
import type { Actor, KernelEnvironment } from './kernel-ports';
import { ORDER_TRANSITIONS, orderTransition } from './order.fsm';
import type { OrderStatus } from './order-vocabulary';
import type { PositionLedger } from './position-ledger';
import { retryOnConflict } from './store-conflicts';

/**
 * Applies what the exchange reports about our orders: the REST acknowledgement, the private `order` pushes (or a
 * look-up's answer), executions (through the FillRecorder), and the endings found by look-ups (never sent,
 * vanished, refused). Every change goes through the order state machine, is written with the record's version and
 * runs in the position's serial queue, so the reports of one order apply in arrival order. Order reports drive
 * only the order's status; an ended order settles its position (empty entry → Closed, failed exit → Open again).
 */
export class ExchangeReports {
  constructor(
    private readonly store: ExecutionStore,
    private readonly ledger: PositionLedger,
    private readonly fills: FillRecorder,
    private readonly venue: ExchangeRest,
    private readonly events: ExecutionEventSink,
    private readonly env: KernelEnvironment,
  ) {}

  /** The REST create was accepted: Pending → Placed (unless a push already moved it on). */
  onAck(order: OrderRecord, ack: OrderAck): Promise<void> {
    return this.ledger.serialised(order, async () => {
      await retryOnConflict(this.env.delay, async () => {
        const current = await this.requireOrder(order.id);
        if (current.status !== 'Pending') {
          if (current.exchangeOrderId === null)
            await this.store.updateOrder(current.id, current.version, { exchangeOrderId: ack.orderId });
          return;
        }
        await this.transitionOrder(
          current,
          'Placed',
          { cause: 'create acknowledged', actor: 'exchange' },
          { exchangeOrderId: ack.orderId, placedAt: this.env.clock.now() },
        );
      });
      if (!order.reduceOnly) this.env.crashPoints.reached('placed-persisted');
    });
  }

  /** A private `order` push (or a REST look-up) for an order of ours. Foreign orders are left to recovery. */
  async onExchangeOrder(report: ExchangeOrder, actor: Actor = 'exchange'): Promise<void> {
    const order = await this.store.orderByClientOrderId(report.orderLinkId);
    if (!order) return;
    await this.ledger.serialised(order, () => this.applyOrderReport(order.id, report, actor));
  }

  /** A private `execution` push (or a REST look-up). Idempotent on execId. */
  async onExecution(execution: ExchangeExecution, actor: Actor = 'exchange'): Promise<boolean> {
    if (execution.execType !== 'Trade' || !execution.orderLinkId) return false;
    const order = await this.store.orderByClientOrderId(execution.orderLinkId);
    if (!order) return false;
    return this.ledger.serialised(order, () => this.fills.apply(order.id, execution, actor));
  }

  /** One execution of a known order, in its position's queue (look-ups apply the executions they find). */
  applyExecution(order: OrderRecord, execution: ExchangeExecution, actor: Actor): Promise<boolean> {
    return this.ledger.serialised(order, () => this.fills.apply(order.id, execution, actor));
  }

  /** One order report of a known order, in its position's queue. */
  applyReport(order: OrderRecord, report: ExchangeOrder, actor: Actor): Promise<void> {
    return this.ledger.serialised(order, () => this.applyOrderReport(order.id, report, actor));
  }

  /** A Pending order the exchange never received: Failed, and its position (if an entry) closed empty. */
  markNeverSent(order: OrderRecord, reason: string, actor: Actor): Promise<boolean> {
    return this.endMissing(order, 'Failed', reason, actor, ['Pending']);
  }

  /**
   * An order the database thinks is working but the exchange no longer knows (its history keeps unfilled
   * cancelled orders 24 h only): Cancelled, so it stops counting as exposure.
   */
  markVanished(order: OrderRecord, reason: string, actor: Actor): Promise<boolean> {
    return this.endMissing(order, 'Cancelled', reason, actor, ['Placed', 'PartiallyFilled']);
  }

  /** A create the venue refused (Rejected) or that never reached it (Failed): the Pending order ends so. */
  endUnsent(order: OrderRecord, outcome: 'Rejected' | 'Failed', errorCode: string, message: string): Promise<void> {
    return this.ledger.serialised(order, () =>
      retryOnConflict(this.env.delay, async () => {
        const current = await this.requireOrder(order.id);
        if (current.status !== 'Pending') return;
        const ended = await this.transitionOrder(
          current,
          outcome,
          {
            cause: `create ${outcome === 'Rejected' ? 'rejected' : 'failed'}: ${errorCode}`,
            actor: 'bot',
            error: message,
          },
          { errorMessage: message },
        );
        await this.afterOrderEnded(ended, '0', 'bot');
      }),
    );
  }

  private endMissing(
    order: OrderRecord,
    to: 'Failed' | 'Cancelled',
    reason: string,
    actor: Actor,
    from: readonly OrderStatus[],
  ): Promise<boolean> {
    return this.ledger.serialised(order, () =>
      retryOnConflict(this.env.delay, async () => {
        const current = await this.requireOrder(order.id);
        if (!from.includes(current.status)) return false;
        const ended = await this.transitionOrder(
          current,
          to,
          { cause: reason, actor, error: reason },
          to === 'Failed' ? { errorMessage: reason } : { cancelledAt: this.env.clock.now(), errorMessage: reason },
        );
        await this.afterOrderEnded(ended, '0', actor);
        return true;
      }),
    );
  }

  private async applyOrderReport(orderId: string, report: ExchangeOrder, actor: Actor): Promise<void> {
    const target = orderStatusFromExchange(report.status, report.cumExecQty);
    await retryOnConflict(this.env.delay, async () => {
      const current = await this.requireOrder(orderId);
      const changes: { -readonly [K in keyof OrderRecordChanges]: OrderRecordChanges[K] } =
        current.exchangeOrderId === null && report.orderId ? { exchangeOrderId: report.orderId } : {};
      // Same status again (a duplicate push; Bybit sends two Filled pushes when a cancel races a fill) or a report
      // about an order already finished here: nothing to move.
      if (target === current.status || isTerminal(current.status)) {
        if (changes.exchangeOrderId) await this.store.updateOrder(current.id, current.version, changes);
        return;
      }
      const now = this.env.clock.now();
      if (target === 'Placed' && current.placedAt === null) changes.placedAt = now;
      if (target === 'Filled') changes.filledAt = new Date(report.updatedTime || now.getTime());
      if (target === 'Cancelled') changes.cancelledAt = new Date(report.updatedTime || now.getTime());
      const error = target === 'Rejected' ? `${report.rejectReason || 'rejected'}` : undefined;
      if (error) changes.errorMessage = error;
      const updated = await this.transitionOrder(
        current,
        target,
        {
          cause: `exchange ${report.status}${report.cancelType && report.cancelType !== 'UNKNOWN' ? ` (${report.cancelType})` : ''}`,
          actor,
          error,
        },
        changes,
      );
      if (isTerminal(target)) await this.afterOrderEnded(updated, report.cumExecQty, actor);
    });
  }

  /**
   * An order ended. An entry that never traded closes its empty position; an exit that did not take the whole
   * position returns it to Open so the exit is tried again (after a back-off).
   */
  private async afterOrderEnded(order: OrderRecord, exchangeFilledQty: string, actor: Actor): Promise<void> {
    const { clock } = this.env;
    const live = this.ledger.live;
    if (!order.reduceOnly) live.releaseEntry(order.clientOrderId);
    if (!order.positionId) return;
    const position = await this.store.positionById(order.positionId);
    if (!position) return;
    const tradedOnExchange = isPositiveDecimal(exchangeFilledQty) || isPositiveDecimal(order.filledQuantity);
    if (!order.reduceOnly) {
      if (position.status === 'Opening' && !tradedOnExchange) {
        await this.ledger.transitionPosition(
          position,
          'Closed',
          { cause: `entry order ${order.status} without a fill`, actor },
          { exitReason: 'ENTRY_NOT_FILLED', closedAtMs: clock.nowMs() },
        );
      }
      return;
    }
    if (order.status === 'Filled') return; // the fills close it
    if (position.status !== 'Closing' || !isPositiveDecimal(position.quantity)) return;
    if (order.status === 'Rejected' && !tradedOnExchange && (await this.flatOnExchange(position.symbol))) {
      // A reduce-only exit refused because there is nothing to reduce: the exchange closed it without us
      // seeing the fill (liquidation, manual close, netting). Record that instead of retrying forever.
      await this.ledger.transitionPosition(
        position,
        'Closed',
        { cause: 'exit refused: flat on the exchange', actor },
        { exitReason: 'RECONCILED_FLAT', quantity: '0', unrealizedPnl: '0', closedAtMs: clock.nowMs() },
      );
      return;
    }
    const reopened = await this.ledger.transitionPosition(
      position,
      'Open',
      { cause: `exit order ${order.status}`, actor },
      {},
    );
    live.exitFailed(reopened.id, clock.nowMs());
  }

  private async flatOnExchange(symbol: string): Promise<boolean> {
    try {
      const [position] = await this.venue.getPositions(symbol);
      return !position || position.side === '' || !isPositiveDecimal(position.size);
    } catch (error) {
      this.env.log.warn({ err: error, symbol }, 'position look-up failed; the exit will be retried');
      return false;
    }
  }

  private async transitionOrder(
    order: OrderRecord,
    to: OrderStatus,
    how: { cause: string; actor: Actor; error?: string },
    changes: OrderRecordChanges,
  ): Promise<OrderRecord> {
    const updated = await this.store.updateOrder(
      order.id,
      order.version,
      orderTransition(order, to, { cause: how.cause, atMs: this.env.clock.nowMs() }, changes),
    );
    this.events.publish('order.status-changed', {
      traceId: order.traceId ?? undefined,
      actor: how.actor,
      from: order.status,
      order: toOrderView(updated),
      cause: how.cause,
      error: how.error,
    });
    return updated;
  }

  private async requireOrder(id: string): Promise<OrderRecord> {
    const order = await this.store.orderById(id);
    if (!order) throw new Error(`order ${id} vanished`);
    return order;
  }
}

/** No move out of it in the order transition table. */
function isTerminal(status: OrderStatus): boolean {
  return ORDER_TRANSITIONS[status].length === 0;
}
