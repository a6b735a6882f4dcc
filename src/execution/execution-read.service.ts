import { Inject, Injectable } from '@nestjs/common';
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
import { ExecutionService } from './execution.service';
import { OrderRepository } from './order.repository';
import { PositionRepository } from './position.repository';
import { figuresOfPosition as figuresOf } from './domain/fill-ledger';

/** The read side of /trading: positions marked to the book, the wallet, execution figures. */
@Injectable()
export class ExecutionReadService {
  constructor(
    private readonly execution: ExecutionService,
    private readonly positions: PositionRepository,
    private readonly orders: OrderRepository,
    private readonly books: OrderBookService,
    private readonly stats: ExecutionStatsRecorder,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async balance(): Promise<BalanceResponseDto> {
    const { balance, atMs } = await this.execution.walletBalance();
    const usdt = balance.coins.find((c) => c.coin === 'USDT');
    return {
      account_type: balance.accountType,
      equity_usdt: usdt?.equity || balance.totalEquity,
      wallet_balance_usdt: usdt?.walletBalance || balance.totalWalletBalance,
      available_usdt: balance.totalAvailableBalance,
      unrealised_pnl_usdt: usdt?.unrealisedPnl || balance.totalPerpUPL,
      initial_margin_usdt: balance.totalInitialMargin,
      as_of: new Date(atMs).toISOString(),
    };
  }

  async openPositions(): Promise<PositionsResponseDto> {
    // This instance's symbols only: other instances' positions are theirs to mark and report.
    const rows = await this.positions.findOpen({ symbols: this.config.trading.pairs });
    let total = 0;
    const positions: PositionDto[] = rows.map((p) => {
      const mark = this.markPrice(p.symbol, p.side);
      const upnl = mark === null ? 0 : unrealisedPnl(figuresOf(p), Number(mark));
      total += upnl;
      return {
        id: p.id,
        symbol: p.symbol,
        side: p.side,
        status: p.status,
        quantity: p.quantity,
        entry_price: p.entryPrice,
        mark_price: mark,
        unrealised_pnl: money(upnl),
        realised_pnl: p.realizedPnl,
        fees: p.fees,
        take_profit: p.takeProfit,
        stop_loss: p.stopLoss,
        exit_reason: p.exitReason,
        opened_at: p.openedAt?.toISOString() ?? null,
        signal_id: typeof p.signalData?.id === 'string' ? p.signalData.id : null,
      };
    });
    return { positions, total_unrealised_pnl: money(total) };
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
      orders_by_status: byStatus,
      orders_placed: Object.entries(byStatus).reduce(
        (sum, [s, n]) => (s === 'Pending' || s === 'Failed' ? sum : sum + n),
        0,
      ),
      orders_filled: filled,
      orders_rejected: rejected,
      orders_cancelled: cancelled,
      orders_failed: count('Failed'),
      fill_ratio: finished === 0 ? null : Math.round((filled / finished) * 10_000) / 10_000,
      signals: status.counters.signals,
      signal_outcomes: status.details.signalOutcomes as Record<string, number>,
      signal_to_send_ms: summary.signalToSendMs,
      signal_to_ack_ms: summary.signalToAckMs,
      signal_to_fill_ms: summary.signalToFillMs,
      slippage_bps: summary.slippageBps,
      send_failures: summary.sendFailures,
      duplicates_suppressed: summary.duplicatesSuppressed,
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
