import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ExchangeError } from '../exchange/exchange.errors';
import { ExchangeRest } from '../exchange/exchange.port';
import type { ExchangeExecution, ExchangeOrder, OrderAck } from '../exchange/exchange.types';
import { InstrumentsService } from '../exchange/instruments.service';
import { retryOnConflict } from '../infra/database/optimistic-lock';
import { EventBus } from '../infra/events/event-bus';
import { EntryRiskGate } from '../risk/domain/entry-risk-gate';
import { CrashInjector } from './crash-injector';
import { TradingPermit } from './domain/trading-permit';
import { LivePositions } from './domain/live-positions';
import { orderStatusFromExchange } from './domain/exchange-status';
import { ORDER_TRANSITIONS, OrderStateMachine } from './domain/order.fsm';
import { PositionStateMachine } from './domain/position.fsm';
import { isPositiveDecimal } from '../common/money';
import { ExecutionStatsRecorder } from './domain/execution-stats';
import { OrderEntity, OrderStatus } from './entities/order.entity';
import { PositionEntity } from './entities/position.entity';
import { toOrderView, toPositionView } from './execution.mapper';
import { KeyedSerialQueue } from './keyed-serial-queue';
import { OrderChanges, OrderRepository } from './order.repository';
import { PositionChanges, PositionRepository } from './position.repository';
import { TypeOrmExecutionStore } from './typeorm-execution.store';
import { livePositionOf } from './live-position.mapper';

/** Who caused a change, as recorded in audit rows. */
export type Actor = 'bot' | 'exchange' | 'recovery' | 'operator';

/** The result of looking an order up on the exchange by its orderLinkId. */
export type SyncOutcome = 'found' | 'missing';

const UNKNOWN_OUTCOME_LOOKUPS = 3;
const UNKNOWN_OUTCOME_DELAY_MS = 1000;

/**
 * Drives orders and positions from what the exchange reports: the REST acknowledgement, the private `order` and
 * `execution` streams, and look-ups by orderLinkId (after an unknown outcome, and for recovery). Every change goes
 * through the state machines, is written with the row's version, and is serialised per position so the pushes
 * of one order apply in order. Fills are the only source of filled size and position size; order pushes drive
 * only the order's status.
 */
@Injectable()
export class OrderTracker {
  private readonly logger = new Logger(OrderTracker.name);
  private readonly queue = new KeyedSerialQueue();
  /** Orders whose create request is on the wire in this process: recovery must not declare them lost. */
  private readonly sending = new Set<string>();

  constructor(
    private readonly orders: OrderRepository,
    private readonly positions: PositionRepository,
    private readonly store: TypeOrmExecutionStore,
    private readonly instruments: InstrumentsService,
    private readonly rest: ExchangeRest,
    private readonly live: LivePositions,
    private readonly risk: EntryRiskGate,
    private readonly events: EventBus,
    private readonly crash: CrashInjector,
    private readonly stats: ExecutionStatsRecorder,
    private readonly clock: Clock,
    private readonly permit: TradingPermit,
  ) {}

  // ---- sending -------------------------------------------------------------------------------------------

  isSending(clientOrderId: string): boolean {
    return this.sending.has(clientOrderId);
  }

  /**
   * Sends a written Pending order and applies the answer. Never throws: every outcome ends in a recorded state
   * (Placed, Rejected, Failed) or in a look-up by orderLinkId when the exchange may or may not have it.
   */
  async send(
    order: OrderEntity,
    ackPoint: 'order-acked' | 'exit-acked',
    hooks: { onSent?: () => void; onAcked?: () => void } = {},
  ): Promise<void> {
    const block = this.permit.sendBlock();
    if (block !== null) {
      // The lease went (or changed hands) while the order was being written: another instance may trade the
      // symbol now. The Pending row is left to whoever reconciles next (not on the exchange → Failed), exactly as
      // after a crash before sending.
      this.logger.warn(
        { clientOrderId: order.clientOrderId, symbol: order.symbol, block },
        'not sent: the symbol lease was lost or changed hands after the order was written',
      );
      return;
    }
    this.sending.add(order.clientOrderId);
    let ack: OrderAck;
    try {
      const request = this.rest.placeOrder({
        symbol: order.symbol,
        side: order.side,
        orderType: order.orderType,
        qty: order.quantity,
        price: order.price ?? undefined,
        timeInForce: order.orderType === 'Market' ? undefined : order.timeInForce,
        orderLinkId: order.clientOrderId,
        positionIdx: 0,
        reduceOnly: order.reduceOnly || undefined,
      });
      hooks.onSent?.();
      ack = await request;
    } catch (error) {
      this.sending.delete(order.clientOrderId);
      this.stats.recordSendFailure();
      await this.onSendError(order, error).catch((e: unknown) =>
        this.logger.error({ err: e, clientOrderId: order.clientOrderId }, 'recording a failed send failed'),
      );
      return;
    }
    this.sending.delete(order.clientOrderId);
    hooks.onAcked?.();
    this.crash.reached(ackPoint);
    await this.onAck(order, ack).catch((e: unknown) =>
      this.logger.error({ err: e, clientOrderId: order.clientOrderId }, 'recording an acknowledgement failed'),
    );
  }

  // ---- exchange reports ----------------------------------------------------------------------------------

  /** The REST create was accepted: Pending → Placed (unless a push already moved it on). */
  onAck(order: OrderEntity, ack: OrderAck): Promise<void> {
    return this.serialised(order, async () => {
      await retryOnConflict(async () => {
        const current = await this.requireOrder(order.id);
        if (current.status !== 'Pending') {
          if (current.exchangeOrderId === null)
            await this.orders.updateWithVersion(current.id, current.version, { exchangeOrderId: ack.orderId });
          return;
        }
        await this.transitionOrder(
          current,
          'Placed',
          { cause: 'create acknowledged', actor: 'exchange' },
          { exchangeOrderId: ack.orderId, placedAt: this.clock.now() },
        );
      });
      if (!order.reduceOnly) this.crash.reached('placed-persisted');
    });
  }

  /** A private `order` push (or a REST look-up) for an order of ours. Foreign orders are left to recovery. */
  async onExchangeOrder(report: ExchangeOrder, actor: Actor = 'exchange'): Promise<void> {
    const order = await this.orders.findByClientOrderId(report.orderLinkId);
    if (!order) return;
    await this.serialised(order, () => this.applyOrderReport(order.id, report, actor));
  }

  /** A private `execution` push (or a REST look-up). Idempotent on execId. */
  async onExecution(execution: ExchangeExecution, actor: Actor = 'exchange'): Promise<boolean> {
    if (execution.execType !== 'Trade' || !execution.orderLinkId) return false;
    const order = await this.orders.findByClientOrderId(execution.orderLinkId);
    if (!order) return false;
    return this.serialised(order, () => this.applyExecution(order.id, execution, actor));
  }

  /**
   * Looks the order up on the exchange by orderLinkId and applies what it finds: its executions first (so the
   * position is right), then its status. 'missing' when the exchange has never seen it.
   */
  async syncOrder(order: OrderEntity, actor: Actor): Promise<{ outcome: SyncOutcome; missedFills: number }> {
    const report = await this.lookUp(order.clientOrderId, order.symbol);
    if (!report) return { outcome: 'missing', missedFills: 0 };
    let missedFills = 0;
    if (isPositiveDecimal(report.cumExecQty)) {
      let cursor: string | undefined;
      do {
        const page = await this.rest.getExecutions({
          symbol: order.symbol,
          orderLinkId: order.clientOrderId,
          limit: 100,
          cursor,
        });
        // Oldest first, so running averages build in the order the fills happened.
        for (const execution of [...page.items].sort((a, b) => a.execTime - b.execTime || a.seq - b.seq)) {
          if (await this.serialised(order, () => this.applyExecution(order.id, execution, actor))) missedFills += 1;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    await this.serialised(order, () => this.applyOrderReport(order.id, report, actor));
    return { outcome: 'found', missedFills };
  }

  /** A Pending order the exchange never received: Failed, and its position (if an entry) closed empty. */
  markNeverSent(order: OrderEntity, reason: string, actor: Actor): Promise<boolean> {
    return this.endMissing(order, 'Failed', reason, actor, ['Pending']);
  }

  /**
   * An order the database thinks is working but the exchange no longer knows (its history keeps unfilled
   * cancelled orders 24 h only): Cancelled, so it stops counting as exposure.
   */
  markVanished(order: OrderEntity, reason: string, actor: Actor): Promise<boolean> {
    return this.endMissing(order, 'Cancelled', reason, actor, ['Placed', 'PartiallyFilled']);
  }

  private endMissing(
    order: OrderEntity,
    to: 'Failed' | 'Cancelled',
    reason: string,
    actor: Actor,
    from: readonly OrderStatus[],
  ): Promise<boolean> {
    return this.serialised(order, () =>
      retryOnConflict(async () => {
        const current = await this.requireOrder(order.id);
        if (!from.includes(current.status)) return false;
        const ended = await this.transitionOrder(
          current,
          to,
          { cause: reason, actor, error: reason },
          to === 'Failed' ? { errorMessage: reason } : { cancelledAt: this.clock.now(), errorMessage: reason },
        );
        await this.afterOrderEnded(ended, '0', actor);
        return true;
      }),
    );
  }

  /** Resolves when every queued update has been applied (tests, shutdown). */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  // ---- internals -----------------------------------------------------------------------------------------

  private async onSendError(order: OrderEntity, error: unknown): Promise<void> {
    const exchangeError = error instanceof ExchangeError ? error : undefined;
    const message = error instanceof Error ? error.message : String(error);
    const outcome = sendOutcome(exchangeError);
    this.logger.warn(
      { clientOrderId: order.clientOrderId, code: exchangeError?.code, outcome, err_message: message },
      'order create failed',
    );
    if (outcome === 'unknown') {
      await this.resolveUnknownOutcome(order, message);
      return;
    }
    await this.serialised(order, () =>
      retryOnConflict(async () => {
        const current = await this.requireOrder(order.id);
        if (current.status !== 'Pending') return;
        const ended = await this.transitionOrder(
          current,
          outcome,
          {
            cause: `create ${outcome === 'Rejected' ? 'rejected' : 'failed'}: ${exchangeError?.code ?? 'error'}`,
            actor: 'bot',
            error: message,
          },
          { errorMessage: message },
        );
        await this.afterOrderEnded(ended, '0', 'bot');
      }),
    );
  }

  /** Timeout, 5xx, duplicate id: the exchange may have the order. Ask it by orderLinkId; never resend. */
  private async resolveUnknownOutcome(order: OrderEntity, firstError: string): Promise<void> {
    for (let attempt = 1; attempt <= UNKNOWN_OUTCOME_LOOKUPS; attempt += 1) {
      try {
        const { outcome } = await this.syncOrder(order, 'bot');
        if (outcome === 'found') return;
      } catch (error) {
        this.logger.warn({ err: error, clientOrderId: order.clientOrderId, attempt }, 'order look-up failed');
      }
      await new Promise((resolve) => setTimeout(resolve, UNKNOWN_OUTCOME_DELAY_MS * attempt).unref());
    }
    // Still unknown after the look-ups: leave it Pending for the REST poll and reconciliation rather than guess,
    // unless the exchange answered the last look-up (then it truly never got the order).
    try {
      if (!(await this.lookUp(order.clientOrderId, order.symbol))) {
        await this.markNeverSent(order, `not on the exchange after: ${firstError}`, 'bot');
        return;
      }
    } catch (error) {
      this.logger.warn(
        { err: error, clientOrderId: order.clientOrderId },
        'order outcome still unknown; the REST poll and reconciliation will resolve it',
      );
    }
    if (order.reduceOnly && order.positionId) this.live.exitUnknown(order.positionId, this.clock.nowMs());
  }

  private async flatOnExchange(symbol: string): Promise<boolean> {
    try {
      const [position] = await this.rest.getPositions(symbol);
      return !position || position.side === '' || !isPositiveDecimal(position.size);
    } catch (error) {
      this.logger.warn({ err: error, symbol }, 'position look-up failed; the exit will be retried');
      return false;
    }
  }

  private async lookUp(clientOrderId: string, symbol: string): Promise<ExchangeOrder | undefined> {
    const open = await this.rest.getOpenOrders({ symbol, orderLinkId: clientOrderId });
    const found = open.items.find((o) => o.orderLinkId === clientOrderId);
    if (found) return found;
    const history = await this.rest.getOrderHistory({ symbol, orderLinkId: clientOrderId });
    return history.items.find((o) => o.orderLinkId === clientOrderId);
  }

  private async applyOrderReport(orderId: string, report: ExchangeOrder, actor: Actor): Promise<void> {
    const target = orderStatusFromExchange(report.status, report.cumExecQty);
    await retryOnConflict(async () => {
      const current = await this.requireOrder(orderId);
      const changes: OrderChanges =
        current.exchangeOrderId === null && report.orderId ? { exchangeOrderId: report.orderId } : {};
      // Same status again (a duplicate push; Bybit sends two Filled pushes when a cancel races a fill) or a report
      // about an order already finished here: nothing to move.
      if (target === current.status || isTerminal(current.status)) {
        if (changes.exchangeOrderId) await this.orders.updateWithVersion(current.id, current.version, changes);
        return;
      }
      const now = this.clock.now();
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
  private async afterOrderEnded(order: OrderEntity, exchangeFilledQty: string, actor: Actor): Promise<void> {
    if (!order.reduceOnly) this.live.releaseEntry(order.clientOrderId);
    if (!order.positionId) return;
    const position = await this.positions.findById(order.positionId);
    if (!position) return;
    const tradedOnExchange = isPositiveDecimal(exchangeFilledQty) || isPositiveDecimal(order.filledQuantity);
    if (!order.reduceOnly) {
      if (position.status === 'Opening' && !tradedOnExchange) {
        await this.transitionPosition(
          position,
          'Closed',
          { cause: `entry order ${order.status} without a fill`, actor },
          { exitReason: 'ENTRY_NOT_FILLED', closedAt: this.clock.now() },
        );
      }
      return;
    }
    if (order.status === 'Filled') return; // the fills close it
    if (position.status !== 'Closing' || !isPositiveDecimal(position.quantity)) return;
    if (order.status === 'Rejected' && !tradedOnExchange && (await this.flatOnExchange(position.symbol))) {
      // A reduce-only exit refused because there is nothing to reduce: the exchange closed it without us
      // seeing the fill (liquidation, manual close, netting). Record that instead of retrying forever.
      await this.transitionPosition(
        position,
        'Closed',
        { cause: 'exit refused: flat on the exchange', actor },
        { exitReason: 'RECONCILED_FLAT', quantity: '0', unrealizedPnl: '0', closedAt: this.clock.now() },
      );
      return;
    }
    const reopened = await this.transitionPosition(
      position,
      'Open',
      { cause: `exit order ${order.status}`, actor },
      {},
    );
    this.live.exitFailed(reopened.id, this.clock.nowMs());
  }

  private async applyExecution(orderId: string, execution: ExchangeExecution, actor: Actor): Promise<boolean> {
    const fee = execution.execFee || '0';
    const outcome = await this.store.applyExecution(
      orderId,
      {
        execId: execution.execId,
        price: execution.execPrice,
        quantity: execution.execQty,
        fee,
        feeCurrency: execution.feeCurrency || null,
        isMaker: execution.isMaker,
        atMs: execution.execTime || this.clock.nowMs(),
      },
      (order) => this.instruments.get(order.symbol)?.qtyStep ?? stepOf(execution.execQty),
      () => this.crash.reached('trade-persisted'),
    );
    if (!outcome) return false;
    const { order, before, position } = outcome;
    if (position && isPositiveDecimal(outcome.excessQuantity)) {
      this.logger.warn(
        { positionId: position.id, execId: execution.execId, excess: outcome.excessQuantity },
        'fill larger than the open position; the excess is not applied',
      );
    }
    this.events.publish('order.filled', {
      traceId: order.traceId ?? undefined,
      actor,
      order: toOrderView(order),
      fill: {
        execId: execution.execId,
        price: execution.execPrice,
        quantity: execution.execQty,
        fee,
        isMaker: execution.isMaker,
        executedAt: new Date(execution.execTime).toISOString(),
      },
    });
    if (!order.reduceOnly) this.recordEntryFill(order.clientOrderId, Number(execution.execPrice));
    if (!position || !before) return true;
    this.remember(position);
    const traceId = position.traceId ?? undefined;
    if (before.status === 'Opening' && position.status === 'Open') {
      this.events.publish('position.opened', {
        traceId,
        actor,
        position: toPositionView(position),
        context: {
          signal: position.signalData,
          market: position.entryMarketData,
          indicators: position.entryIndicators,
        },
      });
      this.crash.reached('position-opened');
    } else if (position.status === 'Closed') {
      this.events.publish('position.closed', {
        traceId,
        actor,
        position: toPositionView(position),
        entryContext: {
          signal: position.signalData,
          market: position.entryMarketData,
          indicators: position.entryIndicators,
        },
        exitContext: {
          signal: position.exitSignalData,
          market: position.exitMarketData,
          indicators: position.exitIndicators,
        },
      });
      this.risk.recordRealisedPnl(Number(position.realizedPnl), execution.execTime || this.clock.nowMs(), traceId);
      this.crash.reached('position-closed');
    } else {
      this.events.publish('position.updated', {
        traceId,
        actor,
        before: toPositionView(before),
        position: toPositionView(position),
        cause: `fill ${execution.execQty} @ ${execution.execPrice}`,
      });
    }
    return true;
  }

  private recordEntryFill(clientOrderId: string, fillPrice: number): void {
    const entry = this.live.entry(clientOrderId);
    if (!entry || entry.firstFillSeen) return;
    entry.firstFillSeen = true;
    this.stats.recordFirstFill(performance.now() - entry.signalAtPerfMs, entry.side, entry.signalPrice, fillPrice);
  }

  private async transitionOrder(
    order: OrderEntity,
    to: OrderStatus,
    how: { cause: string; actor: Actor; error?: string },
    changes: OrderChanges,
  ): Promise<OrderEntity> {
    const machine = OrderStateMachine.restore(order.status, order.stateHistory);
    machine.transition(to, { cause: how.cause, atMs: this.clock.nowMs(), traceId: order.traceId ?? undefined });
    const updated = await this.orders.updateWithVersion(order.id, order.version, {
      ...changes,
      status: to,
      stateHistory: [...machine.history],
    });
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

  async transitionPosition(
    position: PositionEntity,
    to: PositionEntity['status'],
    how: { cause: string; actor: Actor },
    changes: PositionChanges,
  ): Promise<PositionEntity> {
    const machine = PositionStateMachine.restore(position.status, position.stateHistory);
    machine.transition(to, { cause: how.cause, atMs: this.clock.nowMs(), traceId: position.traceId ?? undefined });
    const updated = await this.positions.updateWithVersion(position.id, position.version, {
      ...changes,
      status: to,
      stateHistory: [...machine.history],
    });
    this.remember(updated);
    const traceId = updated.traceId ?? undefined;
    if (to === 'Closed') {
      this.events.publish('position.closed', { traceId, actor: how.actor, position: toPositionView(updated) });
    } else {
      this.events.publish('position.updated', {
        traceId,
        actor: how.actor,
        before: toPositionView(position),
        position: toPositionView(updated),
        cause: how.cause,
      });
    }
    return updated;
  }

  /** Mirrors a committed position row into the hot path's live picture. */
  remember(position: PositionEntity): void {
    this.live.upsert(
      position.status === 'Closed'
        ? { id: position.id, symbol: position.symbol, status: 'Closed' }
        : livePositionOf(position, this.instruments.get(position.symbol)?.tickSize),
    );
  }

  /** Runs work in the position's queue (an order without a position queues on its own id). */
  serialised<T>(order: Pick<OrderEntity, 'positionId' | 'clientOrderId'>, work: () => Promise<T>): Promise<T> {
    return this.queue.run(order.positionId ?? order.clientOrderId, work);
  }

  serialisedPosition<T>(positionId: string, work: () => Promise<T>): Promise<T> {
    return this.queue.run(positionId, work);
  }

  private async requireOrder(id: string): Promise<OrderEntity> {
    const order = await this.orders.findById(id);
    if (!order) throw new Error(`order ${id} vanished`);
    return order;
  }
}

/** How a failed create ends: refused on its merits (Rejected), never reached the venue (Failed), or unknown. */
export function sendOutcome(error: ExchangeError | undefined): 'Rejected' | 'Failed' | 'unknown' {
  if (!error) return 'unknown';
  switch (error.code) {
    case 'TIMEOUT':
    case 'EXCHANGE_UNAVAILABLE':
    case 'ORDER_BUSY':
    case 'DUPLICATE_ORDER_LINK_ID':
    case 'BAD_RESPONSE':
      return 'unknown';
    case 'REJECTED':
    case 'INVALID_REQUEST':
    case 'INSUFFICIENT_BALANCE':
    case 'ORDER_NOT_FOUND':
    case 'ORDER_CLOSED':
      return 'Rejected';
    case 'RATE_LIMITED':
    case 'RATE_LIMIT_WAIT_EXCEEDED':
    case 'CLOCK_SKEW':
    case 'AUTH_FAILED':
    case 'CIRCUIT_OPEN':
    case 'NO_CREDENTIALS':
      return 'Failed';
    default:
      return 'unknown';
  }
}

/** No move out of it in the order transition table. */
function isTerminal(status: OrderStatus): boolean {
  return ORDER_TRANSITIONS[status].length === 0;
}

/** The step implied by a quantity's decimals when the instrument is unknown (a fill is always on its own grid). */
function stepOf(quantity: string): string {
  const decimals = (quantity.split('.')[1] ?? '').length;
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}
