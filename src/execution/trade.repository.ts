import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThanOrEqual, ObjectLiteral, QueryFailedError, Repository } from 'typeorm';
import { rowToEntity } from '../infra/database/optimistic-lock';
import { OrderSide } from './entities/order.entity';
import { TradeEntity } from './entities/trade.entity';
import { ExecutionError } from './execution.errors';

/** One Bybit execution as reported by the private stream or by REST during recovery. */
export interface NewTrade {
  /** Bybit execId. */
  readonly execId: string;
  readonly orderId: string;
  readonly positionId?: string | null;
  readonly symbol: string;
  readonly side: OrderSide;
  /** Decimal strings. */
  readonly price: string;
  readonly quantity: string;
  readonly fee?: string;
  readonly feeCurrency?: string | null;
  readonly isMaker?: boolean;
  readonly executedAt: Date;
  readonly traceId?: string | null;
}

export type TradeInsertResult =
  | { readonly inserted: true; readonly trade: TradeEntity }
  /** The execution was already stored (seen by WS, then again by REST): nothing to apply twice. */
  | { readonly inserted: false };

@Injectable()
export class TradeRepository {
  constructor(@InjectRepository(TradeEntity) private readonly trades: Repository<TradeEntity>) {}

  /** The same repository inside a caller's transaction (a fill updates the order in the same transaction). */
  withManager(manager: EntityManager): TradeRepository {
    return new TradeRepository(manager.getRepository(TradeEntity));
  }

  /**
   * Idempotent on exec_id (`ON CONFLICT (exec_id) DO NOTHING`): the caller applies the fill to the order only
   * when `inserted` is true, so an execution reported twice is counted once. An unknown order_id is a typed
   * ORDER_NOT_FOUND rather than a driver error.
   */
  async insert(trade: NewTrade): Promise<TradeInsertResult> {
    try {
      // Plain SQL so the conflict target is explicit: any other unique violation (none today) still raises
      // instead of vanishing into DO NOTHING.
      const rows = (await this.trades.query(
        `INSERT INTO trades (exec_id, order_id, position_id, symbol, side, price, quantity, fee, fee_currency, is_maker,
                             executed_at, trace_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (exec_id) DO NOTHING
         RETURNING *`,
        [
          trade.execId,
          trade.orderId,
          trade.positionId ?? null,
          trade.symbol,
          trade.side,
          trade.price,
          trade.quantity,
          trade.fee ?? '0',
          trade.feeCurrency ?? null,
          trade.isMaker ?? false,
          trade.executedAt,
          trade.traceId ?? null,
        ],
      )) as ObjectLiteral[];
      return rows.length === 0 ? { inserted: false } : { inserted: true, trade: rowToEntity(this.trades, rows[0]) };
    } catch (error) {
      if (isForeignKeyViolation(error, 'fk_trades_order_id')) {
        throw new ExecutionError('ORDER_NOT_FOUND', `Order ${trade.orderId} does not exist`, { id: trade.orderId });
      }
      if (isForeignKeyViolation(error, 'fk_trades_position_id')) {
        throw new ExecutionError('POSITION_NOT_FOUND', `Position ${trade.positionId} does not exist`, {
          id: trade.positionId,
        });
      }
      throw error;
    }
  }

  /**
   * Time of the newest execution recorded for a symbol: where recovery starts asking the exchange for missed
   * fills of it. Per symbol, because another instance's newer fills of other symbols say nothing about ours.
   */
  async lastExecutedAt(symbol: string): Promise<Date | null> {
    const rows = (await this.trades.query(`SELECT max(executed_at) AS last FROM trades WHERE symbol = $1`, [
      symbol,
    ])) as Array<{ last: Date | null }>;
    return rows[0]?.last ?? null;
  }

  /** Executions of one order in the order they happened (idx_trades_order_id). */
  listByOrder(orderId: string): Promise<TradeEntity[]> {
    return this.trades.find({ where: { orderId }, order: { executedAt: 'ASC', id: 'ASC' } });
  }

  /** Recent executions of a symbol, newest first (idx_trades_symbol_executed_at). */
  listBySymbol(
    symbol: string,
    options: { readonly since?: Date; readonly limit?: number } = {},
  ): Promise<TradeEntity[]> {
    return this.trades.find({
      where: { symbol, ...(options.since === undefined ? {} : { executedAt: MoreThanOrEqual(options.since) }) },
      order: { executedAt: 'DESC', id: 'DESC' },
      take: Math.min(Math.max(Math.floor(options.limit ?? 100), 1), 1000),
    });
  }
}

function isForeignKeyViolation(error: unknown, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: unknown; constraint?: unknown } | undefined;
  return driverError?.code === '23503' && driverError.constraint === constraint;
}
