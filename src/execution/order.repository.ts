import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, LessThan, Not, ObjectLiteral, QueryFailedError, Repository } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { rowToEntity, updateVersioned } from '../infra/database/optimistic-lock';
import {
  ACTIVE_ORDER_STATUSES,
  JsonObject,
  OrderEntity,
  OrderSide,
  OrderType,
  StateTransitionRecord,
  TimeInForce,
} from './entities/order.entity';
import {
  assertClientOrderId,
  DuplicateClientOrderIdError,
  ExecutionError,
  StaleVersionError,
} from './execution.errors';
import type { NewOpeningPosition } from './position.repository';

/** What the write-ahead insert needs; the row starts as Pending at version 1. */
export interface NewPendingOrder {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly orderType: OrderType;
  readonly timeInForce?: TimeInForce;
  /** Decimal string. */
  readonly quantity: string;
  /** Decimal string; required for Limit orders (the database checks it). */
  readonly price?: string | null;
  readonly reduceOnly?: boolean;
  readonly positionId?: string | null;
  readonly signalData?: JsonObject | null;
  readonly marketData?: JsonObject | null;
  readonly indicators?: JsonObject | null;
  readonly reason?: string | null;
  readonly traceId?: string | null;
  readonly stateHistory?: readonly StateTransitionRecord[];
}

/**
 * Fields a state transition or an exchange report may change. Identity (id, client_order_id, symbol, side, type)
 * and bookkeeping (version, created_at, updated_at) are not in the list, so they cannot be overwritten.
 */
export type OrderChanges = Partial<
  Pick<
    OrderEntity,
    | 'status'
    | 'exchangeOrderId'
    | 'quantity'
    | 'price'
    | 'filledQuantity'
    | 'avgFillPrice'
    | 'fee'
    | 'positionId'
    | 'reason'
    | 'stateHistory'
    | 'errorMessage'
    | 'placedAt'
    | 'filledAt'
    | 'cancelledAt'
  >
>;

/** Order persistence with the query shapes the indexes of migration 1764000000000 were made for. */
@Injectable()
export class OrderRepository {
  private readonly logger = new Logger(OrderRepository.name);

  constructor(@InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>) {}

  /** The same repository inside a caller's transaction (e.g. an order and its position updated together). */
  withManager(manager: EntityManager): OrderRepository {
    return new OrderRepository(manager.getRepository(OrderEntity));
  }

  /**
   * The write-ahead insert before the order is sent: one statement, keyed by the deterministic orderLinkId.
   * A second insert of the same id is refused by the unique constraint and surfaces as
   * DuplicateClientOrderIdError, so a retried or replayed signal can never produce a second order.
   */
  async insertPending(order: NewPendingOrder): Promise<OrderEntity> {
    assertClientOrderId(order.clientOrderId);
    const values: Partial<OrderEntity> = {
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      orderType: order.orderType,
      status: 'Pending',
      timeInForce: order.timeInForce ?? 'GTC',
      quantity: order.quantity,
      price: order.price ?? null,
      reduceOnly: order.reduceOnly ?? false,
      positionId: order.positionId ?? null,
      signalData: order.signalData ?? null,
      marketData: order.marketData ?? null,
      indicators: order.indicators ?? null,
      reason: order.reason ?? null,
      traceId: order.traceId ?? null,
      stateHistory: [...(order.stateHistory ?? [])],
    };
    try {
      const result = await this.orders
        .createQueryBuilder()
        .insert()
        // Partial<OrderEntity> checked the values; TypeORM's deep-partial type cannot express opaque JSONB values.
        .values(values as QueryDeepPartialEntity<OrderEntity>)
        .returning('*')
        .execute();
      return rowToEntity(this.orders, (result.raw as ObjectLiteral[])[0]);
    } catch (error) {
      if (violates(error, '23505', 'uq_orders_client_order_id')) {
        throw new DuplicateClientOrderIdError(order.clientOrderId);
      }
      if (violates(error, '23503', 'fk_orders_position_id')) {
        throw new ExecutionError('POSITION_NOT_FOUND', `Position ${order.positionId} does not exist`, {
          id: order.positionId,
        });
      }
      throw error;
    }
  }

  /**
   * The write-ahead of an entry: the Opening position and its Pending order in ONE statement (a data-modifying
   * CTE), so the hot path pays one round trip and a crash can never leave one without the other. A replayed
   * signal hits uq_orders_client_order_id and the whole statement (position included) is refused. The market and
   * indicator context (up to 110 features) is stored once, on the position; the order keeps the signal.
   */
  async insertEntry(
    position: NewOpeningPosition,
    order: Omit<NewPendingOrder, 'positionId'>,
  ): Promise<{ order: OrderEntity; positionId: string; positionCreatedAt: Date }> {
    assertClientOrderId(order.clientOrderId);
    try {
      const rows = (await this.orders.query(
        `WITH p AS (
           INSERT INTO positions (symbol, side, status, quantity, take_profit, stop_loss, entry_reason, signal_data,
                                  entry_market_data, entry_indicators, trace_id, state_history)
           VALUES ($1, $2, 'Opening', 0, $3, $4, $5, $6, $7, $8, $9, $10)
           RETURNING id, created_at
         ), o AS (
           INSERT INTO orders (client_order_id, symbol, side, order_type, status, time_in_force, quantity, price,
                               reduce_only, position_id, signal_data, market_data, indicators, reason, trace_id, state_history)
           SELECT $11, $1, $12, $13, 'Pending', $14, $15, $16, $17, p.id, $6, NULL, NULL, $18, $9, $19 FROM p
           RETURNING *
         )
         SELECT o.*, p.id AS p_id, p.created_at AS p_created_at FROM o CROSS JOIN p`,
        [
          position.symbol,
          position.side,
          position.takeProfit ?? null,
          position.stopLoss ?? null,
          position.entryReason ?? null,
          json(position.signalData),
          json(position.entryMarketData),
          json(position.entryIndicators),
          position.traceId ?? null,
          JSON.stringify(position.stateHistory ?? []),
          order.clientOrderId,
          order.side,
          order.orderType,
          order.timeInForce ?? 'GTC',
          order.quantity,
          order.price ?? null,
          order.reduceOnly ?? false,
          order.reason ?? null,
          JSON.stringify(order.stateHistory ?? []),
        ],
      )) as ObjectLiteral[];
      const row = rows[0];
      return {
        order: rowToEntity(this.orders, row),
        positionId: row.p_id as string,
        positionCreatedAt: row.p_created_at as Date,
      };
    } catch (error) {
      if (violates(error, '23505', 'uq_orders_client_order_id'))
        throw new DuplicateClientOrderIdError(order.clientOrderId);
      throw error;
    }
  }

  findById(id: string): Promise<OrderEntity | null> {
    return this.orders.findOneBy({ id });
  }

  /** Recovery and fills resolve an order by the id we gave it. */
  findByClientOrderId(clientOrderId: string): Promise<OrderEntity | null> {
    return this.orders.findOneBy({ clientOrderId });
  }

  findByExchangeOrderId(exchangeOrderId: string): Promise<OrderEntity | null> {
    return this.orders.findOneBy({ exchangeOrderId });
  }

  /** Orders of a symbol that may still trade (Pending, Placed, PartiallyFilled), oldest first. */
  findOpenBySymbol(symbol: string): Promise<OrderEntity[]> {
    return this.orders.find({
      where: { symbol, status: In([...ACTIVE_ORDER_STATUSES]) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /**
   * Every order of these symbols that may still trade: what recovery compares with the exchange. Only this
   * instance's symbols: another instance's orders in the shared database are its own to reconcile.
   */
  findAllOpen(symbols: readonly string[]): Promise<OrderEntity[]> {
    return this.orders.find({
      where: { symbol: In([...symbols]), status: In([...ACTIVE_ORDER_STATUSES]) },
      order: { symbol: 'ASC', createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** Active orders of these symbols not written to since `olderThan`: the ones the private stream may have missed. */
  findQuietActive(olderThan: Date, symbols: readonly string[]): Promise<OrderEntity[]> {
    return this.orders.find({
      where: { symbol: In([...symbols]), status: In([...ACTIVE_ORDER_STATUSES]), updatedAt: LessThan(olderThan) },
      order: { updatedAt: 'ASC', id: 'ASC' },
      take: 50,
    });
  }

  /** Order counts per status, for /trading/execution-stats (idx_orders_symbol_status serves the scan). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = (await this.orders.query(`SELECT status, count(*)::int AS n FROM orders GROUP BY status`)) as Array<{
      status: string;
      n: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /**
   * Applies `changes` only if the row is still at `expectedVersion`, moving it to expectedVersion + 1, and
   * returns the updated row. Throws StaleVersionError when the version moved (re-read and re-apply, see
   * retryOnConflict) and ORDER_NOT_FOUND when there is no such order.
   */
  async updateWithVersion(id: string, expectedVersion: number, changes: OrderChanges): Promise<OrderEntity> {
    const updated = await updateVersioned(this.orders, id, expectedVersion, changes);
    if (updated && changes.exchangeOrderId) await this.reportExchangeIdCollision(updated);
    if (updated) return updated;
    // Failure path only: tell "somebody else wrote first" from "there is nothing to write".
    if (await this.orders.existsBy({ id })) throw new StaleVersionError('order', id, expectedVersion);
    throw new ExecutionError('ORDER_NOT_FOUND', `Order ${id} does not exist`, { id });
  }

  /**
   * The venue handed out an order id another row already holds (a reset simulator account, a venue bug). The order
   * is still tracked (by client_order_id, which is ours and unique), so nothing is left unmanaged; the repeat is an
   * alert for the operator, since anything keyed by the exchange's id alone would mix the two orders up.
   */
  private async reportExchangeIdCollision(order: OrderEntity): Promise<void> {
    const others = await this.orders.find({
      select: { id: true, clientOrderId: true, status: true },
      where: { exchangeOrderId: order.exchangeOrderId as string, id: Not(order.id) },
      take: 5,
    });
    if (others.length === 0) return;
    this.logger.error(
      {
        exchangeOrderId: order.exchangeOrderId,
        order: { id: order.id, clientOrderId: order.clientOrderId },
        others: others.map((o) => ({ id: o.id, clientOrderId: o.clientOrderId, status: o.status })),
      },
      'exchange order id collision: the venue reused an order id; orders stay keyed by client_order_id',
    );
  }
}

/** JSONB parameter: null stays SQL NULL. */
function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** True when a PostgreSQL error with this SQLSTATE was raised by this named constraint. */
function violates(error: unknown, sqlState: string, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: unknown; constraint?: unknown } | undefined;
  return driverError?.code === sqlState && driverError.constraint === constraint;
}
