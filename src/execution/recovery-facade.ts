import { Injectable } from '@nestjs/common';
import type { ExchangeExecution, ExchangeOrder } from '../exchange/exchange.types';
import { CrashInjector } from './crash-injector';
import type {
  NewOrderRecord,
  NewPositionRecord,
  OrderRecord,
  PositionRecord,
  PositionRecordChanges,
} from './domain/execution-store';
import type { PositionStatus } from './domain/order-vocabulary';
import type { OrderEntity } from './entities/order.entity';
import type { PositionEntity } from './entities/position.entity';
import { StaleVersionError } from './execution.errors';
import { ExecutionService } from './execution.service';
import { OrderRepository } from './order.repository';
import { OrderTracker } from './order-tracker.service';
import { PositionRepository } from './position.repository';
import { TradeRepository } from './trade.repository';

/** Every change made through this face is recorded as recovery's (audit rows, events). */
const RECOVERY = 'recovery' as const;

/** A live position as recovery sees it: the store's record plus when it opened (epoch ms). */
export interface RecoveryPositionRecord extends PositionRecord {
  readonly openedAtMs: number | null;
}

/** What a reconciliation fix may change on a position besides its status (the state machine sets that). */
export type RecoveryPositionChanges = Omit<PositionRecordChanges, 'status' | 'stateHistory'>;

/**
 * Execution's narrow face to recovery: plain order/position records (never TypeORM rows) and exactly the
 * operations reconciliation repairs with. Every change still goes through execution's state machines and its
 * per-position queue (today OrderTracker, the same code the live streams use); recovery never touches execution's
 * repositories, entities, tracker or crash injector. Swapping the internals (e.g. for the execution kernel) leaves
 * this interface as it is.
 */
@Injectable()
export class ExecutionRecoveryFacade {
  constructor(
    private readonly execution: ExecutionService,
    private readonly tracker: OrderTracker,
    private readonly orders: OrderRepository,
    private readonly positions: PositionRepository,
    private readonly trades: TradeRepository,
    private readonly crash: CrashInjector,
  ) {}

  // ---- the trading gate around a run ---------------------------------------------------------------------

  /** No entries and no exits while the database and the exchange are being compared. */
  pauseForReconciliation(): void {
    this.execution.pauseForReconciliation();
  }

  /** Rebuilds the live picture and grants trading under lease acquisition `generation`; false if the lease moved. */
  resumeAfterReconciliation(generation: number, leverage?: number): Promise<boolean> {
    return this.execution.resumeAfterReconciliation(generation, leverage);
  }

  /** The last successful reconciliation ran under the lease acquisition held now. */
  get reconciled(): boolean {
    return this.execution.reconciled;
  }

  /** Resolves when every queued order/position update has been applied. */
  drain(): Promise<void> {
    return this.execution.drain();
  }

  // ---- reads -----------------------------------------------------------------------------------------------

  /** Orders of these symbols that may still trade (Pending, Placed, PartiallyFilled), oldest first per symbol. */
  async activeOrders(symbols: readonly string[]): Promise<OrderRecord[]> {
    return (await this.orders.findAllOpen(symbols)).map(toOrderRecord);
  }

  async orderByClientOrderId(clientOrderId: string): Promise<OrderRecord | null> {
    const order = await this.orders.findByClientOrderId(clientOrderId);
    return order ? toOrderRecord(order) : null;
  }

  /** Positions of these symbols that are not Closed, oldest first. */
  async livePositions(symbols: readonly string[]): Promise<RecoveryPositionRecord[]> {
    return (await this.positions.findOpen({ symbols })).map(toPositionRecord);
  }

  async positionById(id: string): Promise<RecoveryPositionRecord | null> {
    const position = await this.positions.findById(id);
    return position ? toPositionRecord(position) : null;
  }

  /** When the newest recorded execution of `symbol` happened (epoch ms); null before the first. */
  async lastExecutionAtMs(symbol: string): Promise<number | null> {
    return (await this.trades.lastExecutedAt(symbol))?.getTime() ?? null;
  }

  /** The order's create request is on the wire in this process: it must not be declared lost. */
  isSending(clientOrderId: string): boolean {
    return this.tracker.isSending(clientOrderId);
  }

  // ---- applying what the exchange reports (the same path as the private streams) --------------------------

  /** Applies one execution of one of our orders; false when it was applied before or the order is not ours. */
  applyExchangeExecution(execution: ExchangeExecution): Promise<boolean> {
    return this.tracker.onExecution(execution, RECOVERY);
  }

  /** Applies the exchange's report of one of our orders (status, exchange order id); foreign orders are ignored. */
  applyExchangeOrder(report: ExchangeOrder): Promise<void> {
    return this.tracker.onExchangeOrder(report, RECOVERY);
  }

  /** A Pending order the exchange never received: Failed (its empty entry position Closed). False if it moved on. */
  async markNeverSent(clientOrderId: string, reason: string): Promise<boolean> {
    const order = await this.orders.findByClientOrderId(clientOrderId);
    return order ? this.tracker.markNeverSent(order, reason, RECOVERY) : false;
  }

  /** A working order the exchange no longer knows: Cancelled. False if it is no longer working here. */
  async markVanished(clientOrderId: string, reason: string): Promise<boolean> {
    const order = await this.orders.findByClientOrderId(clientOrderId);
    return order ? this.tracker.markVanished(order, reason, RECOVERY) : false;
  }

  // ---- writing what only the exchange knew ----------------------------------------------------------------

  /** Records an exchange order this database has no row for, as Pending (then apply its report). */
  async adoptOrder(order: NewOrderRecord): Promise<OrderRecord> {
    return toOrderRecord(await this.orders.insertPending(order));
  }

  /** Records an exchange position this database has no row for, as an empty Opening position. */
  async adoptPosition(position: NewPositionRecord): Promise<RecoveryPositionRecord> {
    return toPositionRecord(await this.positions.insertOpening({ ...position, quantity: '0' }));
  }

  /**
   * Moves `position` (as read, at its version) through the position state machine to `to`, with `changes`; the
   * move is published and mirrored into the live picture. StaleVersionError when the row moved since it was read.
   */
  async transitionPosition(
    position: RecoveryPositionRecord,
    to: PositionStatus,
    cause: string,
    changes: RecoveryPositionChanges,
  ): Promise<RecoveryPositionRecord> {
    const row = await this.positions.findById(position.id);
    if (!row || row.version !== position.version)
      throw new StaleVersionError('position', position.id, position.version);
    const { openedAtMs, closedAtMs, ...figures } = changes;
    const updated = await this.tracker.transitionPosition(
      row,
      to,
      { cause, actor: RECOVERY },
      {
        ...figures,
        ...(openedAtMs === undefined ? {} : { openedAt: new Date(openedAtMs) }),
        ...(closedAtMs === undefined ? {} : { closedAt: new Date(closedAtMs) }),
      },
    );
    return toPositionRecord(updated);
  }

  /** Runs `work` in the position's queue, after every update already queued for it (pushes, fills, exits). */
  serialisedPosition<T>(positionId: string, work: () => Promise<T>): Promise<T> {
    return this.tracker.serialisedPosition(positionId, work);
  }

  /** Recovery has repaired its first discrepancy of a run (a crash-test kill point; a no-op in production). */
  firstFixOfRunRecorded(): void {
    this.crash.reached('reconcile-fixed');
  }
}

/**
 * A plain copy of the row (its columns, not the TypeORM instance), so a record handed to recovery cannot be saved
 * back or change under it. Entities satisfy the store's record types column for column.
 */
function toOrderRecord(order: OrderEntity): OrderRecord {
  return { ...order, stateHistory: [...order.stateHistory] };
}

function toPositionRecord(position: PositionEntity): RecoveryPositionRecord {
  return {
    ...position,
    stateHistory: [...position.stateHistory],
    openedAtMs: position.openedAt?.getTime() ?? null,
  };
}
