import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, ObjectLiteral, QueryFailedError, Repository } from 'typeorm';
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
import { DuplicateClientOrderIdError, ExecutionError, StaleVersionError } from './execution.errors';

/** Bybit's limit on orderLinkId: https://bybit-exchange.github.io/docs/v5/order/create-order */
const MAX_CLIENT_ORDER_ID_LENGTH = 36;

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
    if (order.clientOrderId.length === 0 || order.clientOrderId.length > MAX_CLIENT_ORDER_ID_LENGTH) {
      throw new ExecutionError('BAD_LINK_ID', `client_order_id must be 1..${MAX_CLIENT_ORDER_ID_LENGTH} characters`, {
        clientOrderId: order.clientOrderId,
      });
    }
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

  /** Every order that may still trade, across symbols: what recovery compares with the exchange. */
  findAllOpen(): Promise<OrderEntity[]> {
    return this.orders.find({
      where: { status: In([...ACTIVE_ORDER_STATUSES]) },
      order: { symbol: 'ASC', createdAt: 'ASC', id: 'ASC' },
    });
  }

  /**
   * Applies `changes` only if the row is still at `expectedVersion`, moving it to expectedVersion + 1, and
   * returns the updated row. Throws StaleVersionError when the version moved (re-read and re-apply, see
   * retryOnConflict) and ORDER_NOT_FOUND when there is no such order.
   */
  async updateWithVersion(id: string, expectedVersion: number, changes: OrderChanges): Promise<OrderEntity> {
    const updated = await updateVersioned(this.orders, id, expectedVersion, changes);
    if (updated) return updated;
    // Failure path only: tell "somebody else wrote first" from "there is nothing to write".
    if (await this.orders.existsBy({ id })) throw new StaleVersionError('order', id, expectedVersion);
    throw new ExecutionError('ORDER_NOT_FOUND', `Order ${id} does not exist`, { id });
  }
}

/** True when a PostgreSQL error with this SQLSTATE was raised by this named constraint. */
function violates(error: unknown, sqlState: string, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: unknown; constraint?: unknown } | undefined;
  return driverError?.code === sqlState && driverError.constraint === constraint;
}
