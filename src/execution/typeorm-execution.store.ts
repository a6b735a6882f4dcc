import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { retryOnConflict } from '../infra/database/optimistic-lock';
import type {
  ExecutionStore,
  FillApplied,
  NewOrderRecord,
  NewPositionRecord,
  OrderRecord,
  OrderRecordChanges,
  PositionRecordChanges,
  TradeFill,
  WrittenEntry,
  WrittenExit,
} from './domain/execution-store';
import { fillOrder, fillPosition } from './domain/fill-ledger';
import type { OrderEntity } from './entities/order.entity';
import type { PositionEntity } from './entities/position.entity';
import { OrderRepository } from './order.repository';
import { PositionChanges, PositionRepository } from './position.repository';
import { TradeRepository } from './trade.repository';

/**
 * The execution store on PostgreSQL (live trading): the write-ahead of an entry is one statement (a data-modifying
 * CTE), the orderLinkId is unique in the orders table, versions are checked in the UPDATE, and a fill's trade row,
 * order and position are written in one transaction, retried on a version conflict.
 */
@Injectable()
export class TypeOrmExecutionStore implements ExecutionStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly positions: PositionRepository,
    private readonly trades: TradeRepository,
  ) {}

  writeAheadEntry(position: NewPositionRecord, order: NewOrderRecord): Promise<WrittenEntry> {
    return this.orders.insertEntry({ ...position, quantity: '0' }, order);
  }

  writeAheadOrder(order: NewOrderRecord & { readonly positionId: string | null }): Promise<OrderRecord> {
    return this.orders.insertPending(order);
  }

  orderById(id: string): Promise<OrderEntity | null> {
    return this.orders.findById(id);
  }

  orderByClientOrderId(clientOrderId: string): Promise<OrderEntity | null> {
    return this.orders.findByClientOrderId(clientOrderId);
  }

  positionById(id: string): Promise<PositionEntity | null> {
    return this.positions.findById(id);
  }

  updateOrder(id: string, expectedVersion: number, changes: OrderRecordChanges): Promise<OrderEntity> {
    return this.orders.updateWithVersion(id, expectedVersion, changes);
  }

  updatePosition(id: string, expectedVersion: number, changes: PositionRecordChanges): Promise<PositionEntity> {
    return this.positions.updateWithVersion(id, expectedVersion, positionChanges(changes));
  }

  /** The position's move to Closing and the exit's Pending order in one transaction. */
  writeAheadExit(
    positionId: string,
    expectedVersion: number,
    changes: PositionRecordChanges,
    order: NewOrderRecord,
  ): Promise<WrittenExit & { readonly position: PositionEntity; readonly order: OrderEntity }> {
    return this.dataSource.transaction(async (manager) => {
      const position = await this.positions
        .withManager(manager)
        .updateWithVersion(positionId, expectedVersion, positionChanges(changes));
      const pending = await this.orders.withManager(manager).insertPending({ ...order, positionId });
      return { position, order: pending };
    });
  }

  livePositions(symbols: readonly string[]): Promise<PositionEntity[]> {
    return this.positions.findOpen({ symbols });
  }

  quietActiveOrders(updatedBeforeMs: number, symbols: readonly string[]): Promise<OrderEntity[]> {
    return this.orders.findQuietActive(new Date(updatedBeforeMs), symbols);
  }

  /** Trade row, order fill figures and position figures in one transaction: all of a fill, or none of it. */
  applyExecution(
    orderId: string,
    fill: TradeFill,
    qtyStepOf: (order: OrderRecord) => string,
    onTradeRecorded?: () => void,
  ): Promise<ExecutedFill | undefined> {
    return retryOnConflict(() =>
      this.dataSource.transaction(async (manager): Promise<ExecutedFill | undefined> => {
        const orders = this.orders.withManager(manager);
        const order = await orders.findById(orderId);
        if (!order) return undefined;
        const inserted = await this.trades.withManager(manager).insert({
          execId: fill.execId,
          orderId: order.id,
          positionId: order.positionId,
          symbol: order.symbol,
          side: order.side,
          price: fill.price,
          quantity: fill.quantity,
          fee: fill.fee,
          feeCurrency: fill.feeCurrency,
          isMaker: fill.isMaker,
          executedAt: new Date(fill.atMs),
          traceId: order.traceId,
        });
        if (!inserted.inserted) return undefined;
        onTradeRecorded?.();

        const qtyStep = qtyStepOf(order);
        const updatedOrder = await orders.updateWithVersion(order.id, order.version, fillOrder(order, fill, qtyStep));
        if (!order.positionId) return { order: updatedOrder, excessQuantity: '0' };
        const positions = this.positions.withManager(manager);
        const before = await positions.findById(order.positionId);
        if (!before || before.status === 'Closed') return { order: updatedOrder, excessQuantity: '0' };
        const { changes, excessQuantity } = fillPosition(before, order, fill, qtyStep);
        const position = await positions.updateWithVersion(before.id, before.version, positionChanges(changes));
        return { order: updatedOrder, before, position, excessQuantity };
      }),
    );
  }
}

/** A fill as this adapter returns it: the rows themselves, which the live services publish and audit. */
export interface ExecutedFill extends FillApplied {
  readonly order: OrderEntity;
  readonly before?: PositionEntity;
  readonly position?: PositionEntity;
}

/** Epoch-ms stamps of the kernel as the timestamptz columns of the row. */
function positionChanges(changes: PositionRecordChanges): PositionChanges {
  const { openedAtMs, closedAtMs, ...figures } = changes;
  return {
    ...figures,
    ...(openedAtMs === undefined ? {} : { openedAt: new Date(openedAtMs) }),
    ...(closedAtMs === undefined ? {} : { closedAt: new Date(closedAtMs) }),
  };
}
