import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, ObjectLiteral, Repository } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { rowToEntity, updateVersioned } from '../infra/database/optimistic-lock';
import { JsonObject, OrderSide, StateTransitionRecord } from './entities/order.entity';
import { LIVE_POSITION_STATUSES, PositionEntity } from './entities/position.entity';
import { ExecutionError, StaleVersionError } from './execution.errors';

/** What opening a position needs; the row starts as Opening at version 1. */
export interface NewOpeningPosition {
  readonly symbol: string;
  readonly side: OrderSide;
  /** Decimal string; may be "0" until the opening order fills. */
  readonly quantity: string;
  readonly entryPrice?: string | null;
  readonly takeProfit?: string | null;
  readonly stopLoss?: string | null;
  readonly entryReason?: string | null;
  readonly signalData?: JsonObject | null;
  readonly entryMarketData?: JsonObject | null;
  readonly entryIndicators?: JsonObject | null;
  readonly traceId?: string | null;
  readonly stateHistory?: readonly StateTransitionRecord[];
}

/** Fields a transition, a fill or a mark-to-market may change; identity and bookkeeping are excluded. */
export type PositionChanges = Partial<
  Pick<
    PositionEntity,
    | 'status'
    | 'quantity'
    | 'entryPrice'
    | 'exitPrice'
    | 'exitedQuantity'
    | 'exitAttempts'
    | 'unrealizedPnl'
    | 'realizedPnl'
    | 'fees'
    | 'takeProfit'
    | 'stopLoss'
    | 'exitReason'
    | 'exitSignalData'
    | 'exitMarketData'
    | 'exitIndicators'
    | 'stateHistory'
    | 'openedAt'
    | 'closedAt'
  >
>;

/** One row of the "exit reason analysis" query of the original design. */
export interface ExitReasonStat {
  readonly exitReason: string | null;
  readonly count: number;
  /** Decimal string (NUMERIC average). */
  readonly avgPnl: string;
  readonly winningTrades: number;
}

/** One row of the "signal effectiveness" query of the original design. */
export interface SignalTypeStat {
  readonly signalType: string | null;
  readonly trades: number;
  /** Decimal string, or null when no row carried a strength. */
  readonly avgStrength: string | null;
  readonly avgPnl: string;
}

/** Position persistence with the query shapes the indexes of migration 1764000000000 were made for. */
@Injectable()
export class PositionRepository {
  constructor(@InjectRepository(PositionEntity) private readonly positions: Repository<PositionEntity>) {}

  /** The same repository inside a caller's transaction. */
  withManager(manager: EntityManager): PositionRepository {
    return new PositionRepository(manager.getRepository(PositionEntity));
  }

  async insertOpening(position: NewOpeningPosition): Promise<PositionEntity> {
    const values: Partial<PositionEntity> = {
      symbol: position.symbol,
      side: position.side,
      status: 'Opening',
      quantity: position.quantity,
      entryPrice: position.entryPrice ?? null,
      takeProfit: position.takeProfit ?? null,
      stopLoss: position.stopLoss ?? null,
      entryReason: position.entryReason ?? null,
      signalData: position.signalData ?? null,
      entryMarketData: position.entryMarketData ?? null,
      entryIndicators: position.entryIndicators ?? null,
      traceId: position.traceId ?? null,
      stateHistory: [...(position.stateHistory ?? [])],
    };
    const result = await this.positions
      .createQueryBuilder()
      .insert()
      // Partial<PositionEntity> checked the values; TypeORM's deep-partial type cannot express opaque JSONB values.
      .values(values as QueryDeepPartialEntity<PositionEntity>)
      .returning('*')
      .execute();
    return rowToEntity(this.positions, (result.raw as ObjectLiteral[])[0]);
  }

  findById(id: string): Promise<PositionEntity | null> {
    return this.positions.findOneBy({ id });
  }

  /** Positions carrying exposure (Opening, Open, Closing), optionally of some symbols only, oldest first. */
  findOpen(scope: { readonly symbols?: readonly string[] } = {}): Promise<PositionEntity[]> {
    return this.positions.find({
      where: {
        ...(scope.symbols === undefined ? {} : { symbol: In([...scope.symbols]) }),
        status: In([...LIVE_POSITION_STATUSES]),
      },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /**
   * Applies `changes` only if the row is still at `expectedVersion`; throws StaleVersionError when it moved and
   * POSITION_NOT_FOUND when there is no such position.
   */
  async updateWithVersion(id: string, expectedVersion: number, changes: PositionChanges): Promise<PositionEntity> {
    const updated = await updateVersioned(this.positions, id, expectedVersion, changes);
    if (updated) return updated;
    if (await this.positions.existsBy({ id })) throw new StaleVersionError('position', id, expectedVersion);
    throw new ExecutionError('POSITION_NOT_FOUND', `Position ${id} does not exist`, { id });
  }

  /** The most profitable closed positions (idx_positions_closed_realized_pnl). */
  topClosedByPnl(limit: number): Promise<PositionEntity[]> {
    return this.positions.find({
      where: { status: 'Closed' },
      order: { realizedPnl: 'DESC', id: 'ASC' },
      take: clampLimit(limit),
    });
  }

  /** Closed positions grouped by exit reason, most frequent first (idx_positions_closed_exit_reason). */
  async exitReasonStats(): Promise<ExitReasonStat[]> {
    const rows = (await this.positions.query(`
      SELECT exit_reason,
             count(*)::int                                   AS count,
             avg(realized_pnl)::text                         AS avg_pnl,
             count(*) FILTER (WHERE realized_pnl > 0)::int   AS winning_trades
        FROM positions
       WHERE status = 'Closed'
       GROUP BY exit_reason
       ORDER BY count DESC, exit_reason ASC NULLS LAST
    `)) as Array<{ exit_reason: string | null; count: number; avg_pnl: string; winning_trades: number }>;
    return rows.map((r) => ({
      exitReason: r.exit_reason,
      count: r.count,
      avgPnl: r.avg_pnl,
      winningTrades: r.winning_trades,
    }));
  }

  /** Closed positions grouped by the type of the signal that opened them (idx_positions_closed_signal_type). */
  async signalTypeStats(): Promise<SignalTypeStat[]> {
    // The strength is cast only when it looks numeric, so one malformed signal cannot break the whole report.
    const rows = (await this.positions.query(`
      SELECT signal_data->>'type'                              AS signal_type,
             count(*)::int                                     AS trades,
             avg(CASE WHEN signal_data->>'strength' ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$'
                      THEN (signal_data->>'strength')::numeric END)::text AS avg_strength,
             avg(realized_pnl)::text                           AS avg_pnl
        FROM positions
       WHERE status = 'Closed' AND signal_data IS NOT NULL
       GROUP BY signal_data->>'type'
       ORDER BY trades DESC, signal_type ASC NULLS LAST
    `)) as Array<{ signal_type: string | null; trades: number; avg_strength: string | null; avg_pnl: string }>;
    return rows.map((r) => ({
      signalType: r.signal_type,
      trades: r.trades,
      avgStrength: r.avg_strength,
      avgPnl: r.avg_pnl,
    }));
  }
}

/** Analysis reads are bounded: a caller's typo must not pull the whole table. */
function clampLimit(limit: number): number {
  if (!Number.isFinite(limit)) return 10;
  return Math.min(Math.max(Math.floor(limit), 1), 1000);
}
