import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { OrderBookService } from '../order-book/order-book.service';
import { ExecutionStatsRecorder } from './domain/execution-stats';
import { money } from '../common/money';
import { unrealisedPnl } from './domain/position-accounting';
import type {
  BalanceResponseDto,
  ExecutionStatsResponseDto,
  PositionDto,
  PositionsResponseDto,
} from './dto/trading.dto';
import type {
  ClosedTradeDto,
  PositionFillsResponseDto,
  PositionsQueryDto,
  TradesQueryDto,
  TradesResponseDto,
} from './dto/trades.dto';
import { PositionEntity } from './entities/position.entity';
import { TradeEntity } from './entities/trade.entity';
import { ExecutionError } from './execution.errors';
import { ExecutionService } from './execution.service';
import { OrderRepository } from './order.repository';
import { PositionRepository } from './position.repository';
import { figuresOfPosition as figuresOf } from './domain/fill-ledger';

/**
 * The read side of /trading: positions marked to the book, the wallet, execution figures. Eight dependencies, one
 * over the usual bound: the two repository pairs are the live rows (the store's repositories) and the history
 * queries (TypeORM repositories for the paged, filtered lists), kept apart so the write path never sees the latter.
 */
@Injectable()
export class ExecutionReadService {
  constructor(
    private readonly execution: ExecutionService,
    private readonly positions: PositionRepository,
    private readonly orders: OrderRepository,
    private readonly books: OrderBookService,
    private readonly stats: ExecutionStatsRecorder,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(PositionEntity) private readonly positionRows: Repository<PositionEntity>,
    @InjectRepository(TradeEntity) private readonly tradeRows: Repository<TradeEntity>,
  ) {}

  async balance(): Promise<BalanceResponseDto> {
    const { balance, atMs } = await this.execution.walletBalance();
    const usdt = balance.coins.find((c) => c.coin === 'USDT');
    return {
      accountType: balance.accountType,
      equityUsdt: usdt?.equity || balance.totalEquity,
      walletBalanceUsdt: usdt?.walletBalance || balance.totalWalletBalance,
      availableUsdt: balance.totalAvailableBalance,
      unrealizedPnlUsdt: usdt?.unrealisedPnl || balance.totalPerpUPL,
      initialMarginUsdt: balance.totalInitialMargin,
      asOf: new Date(atMs).toISOString(),
    };
  }

  /**
   * Without a status: the live positions of this instance's symbols (other instances' are theirs to mark and
   * report). With one: that status only; Closed lists the most recently closed first, up to `limit`.
   */
  async positionsByStatus(query: PositionsQueryDto = {}): Promise<PositionsResponseDto> {
    const rows =
      query.status === 'Closed'
        ? await this.positionRows.find({
            where: { status: 'Closed' },
            order: { closedAt: 'DESC', id: 'ASC' },
            take: query.limit ?? 100,
          })
        : (await this.positions.findOpen({ symbols: this.config.trading.pairs })).filter(
            (p) => query.status === undefined || p.status === query.status,
          );
    let total = 0;
    const positions: PositionDto[] = rows.map((p) => {
      const mark = p.status === 'Closed' ? null : this.markPrice(p.symbol, p.side);
      const upnl = mark === null ? 0 : unrealisedPnl(figuresOf(p), Number(mark));
      total += upnl;
      return {
        id: p.id,
        symbol: p.symbol,
        side: p.side,
        status: p.status,
        quantity: p.quantity,
        entryPrice: p.entryPrice,
        markPrice: mark,
        unrealizedPnl: money(upnl),
        realizedPnl: p.realizedPnl,
        fees: p.fees,
        takeProfit: p.takeProfit,
        stopLoss: p.stopLoss,
        exitReason: p.exitReason,
        openedAt: p.openedAt?.toISOString() ?? null,
        closedAt: p.closedAt?.toISOString() ?? null,
        signalId: typeof p.signalData?.id === 'string' ? p.signalData.id : null,
      };
    });
    return { positions, totalUnrealizedPnl: money(total) };
  }

  /**
   * Closed positions that had an entry fill, newest closedAt first, with totals over every matching row. PnL is
   * summed in SQL on the numeric columns, so totals are exact decimals. positions.realized_pnl is stored net of
   * fees; the gross figure is that plus the fees.
   */
  async closedTrades(query: TradesQueryDto): Promise<TradesResponseDto> {
    const where = [`status = 'Closed'`, 'closed_at IS NOT NULL', 'entry_price IS NOT NULL'];
    const params: unknown[] = [];
    const filter = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.symbol !== undefined) filter('symbol = ?', query.symbol);
    if (query.side !== undefined) filter('side = ?', query.side);
    if (query.exitReason !== undefined) filter('exit_reason = ?', query.exitReason);
    if (query.from !== undefined) filter('closed_at >= ?::timestamptz', query.from);
    if (query.to !== undefined) filter('closed_at < ?::timestamptz', query.to);
    const condition = where.join(' AND ');
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const [items, totals] = await Promise.all([
      this.positionRows.query(
        `SELECT id, symbol, side,
                (CASE WHEN exited_quantity > 0 THEN exited_quantity ELSE quantity END)::text AS qty,
                entry_price::text, exit_price::text, opened_at, closed_at, exit_reason,
                (realized_pnl + fees)::text AS gross, fees::text, realized_pnl::text AS net
           FROM positions WHERE ${condition}
          ORDER BY closed_at DESC, id ASC
          LIMIT ${limit} OFFSET ${offset}`,
        params,
      ) as Promise<ClosedTradeRow[]>,
      this.positionRows.query(
        `SELECT count(*)::int AS count,
                (count(*) FILTER (WHERE realized_pnl > 0))::int AS wins,
                (count(*) FILTER (WHERE realized_pnl < 0))::int AS losses,
                coalesce(sum(realized_pnl + fees), 0)::text AS gross,
                coalesce(sum(fees), 0)::text AS fees,
                coalesce(sum(realized_pnl), 0)::text AS net
           FROM positions WHERE ${condition}`,
        params,
      ) as Promise<TradeTotalsRow[]>,
    ]);
    const sums = totals[0];
    return {
      items: items.map(toClosedTrade),
      total: sums.count,
      totals: {
        count: sums.count,
        wins: sums.wins,
        losses: sums.losses,
        realizedPnl: decimal(sums.gross),
        fees: decimal(sums.fees),
        netPnl: decimal(sums.net),
      },
    };
  }

  /** The executions (fills) of one position, oldest first; 404 for an unknown position. */
  async positionFills(positionId: string): Promise<PositionFillsResponseDto> {
    if (!(await this.positionRows.existsBy({ id: positionId })))
      throw new ExecutionError('POSITION_NOT_FOUND', `Position ${positionId} does not exist`, { id: positionId });
    const fills = await this.tradeRows.find({ where: { positionId }, order: { executedAt: 'ASC', id: 'ASC' } });
    return {
      positionId,
      items: fills.map((f) => ({
        execId: f.execId,
        orderId: f.orderId,
        side: f.side,
        price: decimal(f.price),
        qty: decimal(f.quantity),
        fee: decimal(f.fee),
        isMaker: f.isMaker,
        executedAt: f.executedAt.toISOString(),
      })),
    };
  }

  async executionStats(): Promise<ExecutionStatsResponseDto> {
    const byStatus = await this.orders.countByStatus();
    const count = (status: string) => byStatus[status] ?? 0;
    const filled = count('Filled');
    const cancelled = count('Cancelled');
    const rejected = count('Rejected');
    const finished = filled + cancelled + rejected;
    const summary = this.stats.summary();
    const status = this.execution.status();
    return {
      ordersByStatus: byStatus,
      ordersPlaced: Object.entries(byStatus).reduce(
        (sum, [s, n]) => (s === 'Pending' || s === 'Failed' ? sum : sum + n),
        0,
      ),
      ordersFilled: filled,
      ordersRejected: rejected,
      ordersCancelled: cancelled,
      ordersFailed: count('Failed'),
      fillRatio: finished === 0 ? null : Math.round((filled / finished) * 10_000) / 10_000,
      signals: status.counters.signals,
      signalOutcomes: status.details.signalOutcomes as Record<string, number>,
      signalToSendMs: summary.signalToSendMs,
      signalToAckMs: summary.signalToAckMs,
      signalToFillMs: summary.signalToFillMs,
      slippageBps: summary.slippageBps,
      sendFailures: summary.sendFailures,
      duplicatesSuppressed: summary.duplicatesSuppressed,
    };
  }

  /** A long is worth what the bid pays, a short what the ask costs; null without a book. */
  private markPrice(symbol: string, side: 'Buy' | 'Sell'): string | null {
    const book = this.books.book(symbol);
    if (!book) return null;
    const ticks = side === 'Buy' ? book.bestBid : book.bestAsk;
    return Number.isFinite(ticks) ? book.priceText(ticks) : null;
  }
}

interface ClosedTradeRow {
  readonly id: string;
  readonly symbol: string;
  readonly side: string;
  readonly qty: string;
  readonly entry_price: string | null;
  readonly exit_price: string | null;
  readonly opened_at: Date | null;
  readonly closed_at: Date;
  readonly exit_reason: string | null;
  readonly gross: string;
  readonly fees: string;
  readonly net: string;
}

interface TradeTotalsRow {
  readonly count: number;
  readonly wins: number;
  readonly losses: number;
  readonly gross: string;
  readonly fees: string;
  readonly net: string;
}

function toClosedTrade(row: ClosedTradeRow): ClosedTradeDto {
  return {
    positionId: row.id,
    symbol: row.symbol,
    side: row.side,
    qty: decimal(row.qty),
    entryPrice: row.entry_price === null ? null : decimal(row.entry_price),
    exitPrice: row.exit_price === null ? null : decimal(row.exit_price),
    openedAt: row.opened_at?.toISOString() ?? null,
    closedAt: row.closed_at.toISOString(),
    holdingMs: row.opened_at === null ? null : row.closed_at.getTime() - row.opened_at.getTime(),
    exitReason: row.exit_reason,
    realizedPnl: decimal(row.gross),
    fees: decimal(row.fees),
    netPnl: decimal(row.net),
  };
}

/** PostgreSQL numeric text without trailing fractional zeros ("1.50000000" → "1.5", "-0.000" → "0"). */
export function decimal(text: string): string {
  if (!text.includes('.')) return text === '-0' ? '0' : text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}
