import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import type { ExchangeExecution, ExchangeOrder, ExchangePosition } from '../exchange/exchange.types';
import { InstrumentsService } from '../exchange/instruments.service';
import type { OrderRecord } from '../execution/domain/execution-store';
import { ExecutionRecoveryFacade, RecoveryPositionRecord } from '../execution/recovery-facade';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { EventBus } from '../infra/events/event-bus';
import { currentTraceId } from '../infra/tracing/trace-context';
import { adoptedOrderRecord } from './domain/order-matching';
import { adoptedPositionRecord, alignedEntryPrice, alignedQuantity, isAligned } from './domain/position-matching';
import { FixLog } from './reconciliation-fix-log';

/**
 * Applies what the matching decided, through execution's recovery facade (its state machines and per-position
 * queue, the same code the live streams use), and records each repair in the run's FixLog. No decisions here
 * beyond re-checking, under the position's queue, that a repair is still due.
 */
@Injectable()
export class ReconciliationRepairs {
  private readonly logger = new Logger('ReconciliationService');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly execution: ExecutionRecoveryFacade,
    private readonly instruments: InstrumentsService,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  newRun(): FixLog {
    return new FixLog(this.events, this.logger, () => this.execution.firstFixOfRunRecorded());
  }

  // ---- orders --------------------------------------------------------------------------------------------

  /**
   * Applies the exchange's report of an order, its missed executions first (so the position is right), and
   * records the missed fills and the status it moved to (re-read, so a status the report could not move it to is
   * not claimed).
   */
  async syncOrder(
    order: OrderRecord,
    report: ExchangeOrder,
    missedExecutions: readonly ExchangeExecution[],
    statusDiverged: boolean,
    log: FixLog,
  ): Promise<void> {
    const missedFills = await this.applyReport(report, missedExecutions);
    if (missedFills > 0)
      log.record(
        'MISSED_FILL',
        'order',
        order,
        { filledQuantity: order.filledQuantity },
        { fills: missedFills },
        `${missedFills} fill(s) applied from the exchange`,
      );
    if (!statusDiverged) return;
    const after = await this.execution.orderByClientOrderId(order.clientOrderId);
    if (after && after.status !== order.status) {
      log.record(
        'ORDER_STATUS_DRIFT',
        'order',
        order,
        { status: order.status },
        { status: after.status, exchangeOrderId: after.exchangeOrderId },
        `exchange reports ${after.status}`,
      );
    }
  }

  /** Executions (oldest first), then the order's report; returns how many executions were new here. */
  async applyReport(report: ExchangeOrder, executions: readonly ExchangeExecution[]): Promise<number> {
    let applied = 0;
    for (const execution of executions) {
      if (await this.execution.applyExchangeExecution(execution)) applied += 1;
    }
    await this.execution.applyExchangeOrder(report);
    return applied;
  }

  async neverSent(order: OrderRecord, log: FixLog): Promise<void> {
    if (
      await this.execution.markNeverSent(order.clientOrderId, 'never reached the exchange (not found by orderLinkId)')
    )
      log.record(
        'ORDER_NEVER_SENT',
        'order',
        order,
        { status: 'Pending' },
        { status: 'Failed' },
        'Pending order unknown to the exchange',
      );
  }

  async vanished(order: OrderRecord, log: FixLog): Promise<void> {
    if (await this.execution.markVanished(order.clientOrderId, 'no longer known to the exchange'))
      log.record(
        'ORDER_STATUS_DRIFT',
        'order',
        order,
        { status: order.status },
        { status: 'Cancelled' },
        'order unknown to the exchange',
      );
  }

  /** An execution of ours from the symbol's recent history; recorded when it was new here. */
  async missedExecution(execution: ExchangeExecution, symbol: string, log: FixLog): Promise<void> {
    if (await this.execution.applyExchangeExecution(execution))
      log.record(
        'MISSED_FILL',
        'trade',
        null,
        null,
        {
          execId: execution.execId,
          orderLinkId: execution.orderLinkId,
          price: execution.execPrice,
          qty: execution.execQty,
        },
        'execution missed while away',
        symbol,
      );
  }

  /** Writes an open exchange order unknown here as Pending; the caller then syncs it and records the adoption. */
  adoptOrder(report: ExchangeOrder): Promise<OrderRecord> {
    return this.execution.adoptOrder(adoptedOrderRecord(report, this.clock.nowMs(), currentTraceId()));
  }

  adopted(order: OrderRecord, report: ExchangeOrder, log: FixLog): void {
    log.record(
      'ORDER_UNKNOWN_TO_DB',
      'order',
      order,
      null,
      { status: report.status, orderId: report.orderId },
      'open on the exchange, unknown here: adopted',
    );
  }

  unkeyed(report: ExchangeOrder): void {
    // Without an orderLinkId (an order placed by hand in the exchange's UI) there is no key to write it under.
    this.logger.warn(
      { orderId: report.orderId, symbol: report.symbol },
      'open exchange order without orderLinkId left alone',
    );
  }

  // ---- positions -----------------------------------------------------------------------------------------

  async alignSize(position: RecoveryPositionRecord, held: ExchangePosition, log: FixLog): Promise<void> {
    const step = this.instruments.get(position.symbol)?.qtyStep;
    if (isAligned(position, held, step)) return;
    await this.execution.serialisedPosition(position.id, async () => {
      const current = await this.execution.positionById(position.id);
      if (!current || current.status === 'Closed') return;
      const updated = await this.execution.transitionPosition(
        current,
        'Open',
        `reconciled to exchange size ${held.size} @ ${held.entryPrice}`,
        {
          quantity: alignedQuantity(held, step),
          entryPrice: alignedEntryPrice(held, current.entryPrice),
          openedAtMs: current.openedAtMs ?? this.clock.nowMs(),
        },
      );
      log.record(
        'POSITION_DRIFT',
        'position',
        updated,
        { status: current.status, quantity: current.quantity, entryPrice: current.entryPrice },
        { status: updated.status, quantity: updated.quantity, entryPrice: updated.entryPrice },
        'size/price aligned with the exchange',
      );
    });
  }

  async closeFlat(position: RecoveryPositionRecord, log: FixLog): Promise<void> {
    await this.execution.serialisedPosition(position.id, async () => {
      let current = await this.execution.positionById(position.id);
      if (!current || current.status === 'Closed') return;
      const cause = 'flat on the exchange';
      const emptyEntry = current.status === 'Opening';
      if (current.status === 'Open')
        current = await this.execution.transitionPosition(current, 'Closing', cause, {
          exitReason: current.exitReason ?? 'RECONCILED_FLAT',
        });
      const closed = await this.execution.transitionPosition(current, 'Closed', cause, {
        exitReason: emptyEntry ? 'ENTRY_NOT_FILLED' : (current.exitReason ?? 'RECONCILED_FLAT'),
        quantity: '0',
        unrealizedPnl: '0',
        closedAtMs: this.clock.nowMs(),
      });
      log.record(
        'POSITION_CLOSED_ON_EXCHANGE',
        'position',
        closed,
        { status: position.status, quantity: position.quantity },
        { status: 'Closed', quantity: '0' },
        'no position on the exchange',
      );
    });
  }

  async adoptPosition(held: ExchangePosition, log: FixLog): Promise<void> {
    const atMs = this.clock.nowMs();
    const record = adoptedPositionRecord(
      held,
      this.instruments.get(held.symbol)?.tickSize,
      this.config.risk,
      atMs,
      currentTraceId(),
    );
    const opening = await this.execution.adoptPosition(record);
    const open = await this.execution.transitionPosition(
      opening,
      'Open',
      `exchange holds ${held.size} @ ${held.entryPrice}`,
      {
        quantity: held.size,
        entryPrice: alignedEntryPrice(held, null),
        openedAtMs: held.createdTime || atMs,
      },
    );
    log.record(
      'POSITION_UNKNOWN_TO_DB',
      'position',
      open,
      null,
      { side: record.side, quantity: held.size, entryPrice: held.entryPrice },
      'position on the exchange adopted',
    );
  }
}
