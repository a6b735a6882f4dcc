import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { isPositiveDecimal } from '../common/money';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { retryOnConflict } from '../infra/database/optimistic-lock';
import { EventBus } from '../infra/events/event-bus';
import { clientOrderIdFor } from '../idempotency/domain/client-order-id';
import type { OrderBook } from '../order-book/domain/order-book';
import { OrderBookService } from '../order-book/order-book.service';
import { CrashInjector } from './crash-injector';
import { closingSide, ExitReason, exitReasonFor } from './domain/exit-rules';
import { LivePosition, LivePositions } from './domain/live-positions';
import { OrderStateMachine } from './domain/order.fsm';
import { PositionStateMachine } from './domain/position.fsm';
import { TradingPermit } from './domain/trading-permit';
import type { JsonObject } from './entities/order.entity';
import { toOrderView, toPositionView } from './execution.mapper';
import type { TradeContext } from './execution.events';
import { OrderRepository } from './order.repository';
import { OrderTracker } from './order-tracker.service';
import { PositionRepository } from './position.repository';

const SWEEP_INTERVAL_MS = 250;

/**
 * Exits: take-profit and stop-loss on the executable side of the book (checked on every book update of a symbol
 * with an open position), the max hold time (also swept on a timer, so a quiet book still closes on time),
 * opposite signals, and operator requests. An exit is a reduce-only market order written as Pending together
 * with the position's move to Closing, then sent. A failed exit puts the position back to Open and is retried
 * with a doubling back-off: exits keep trying while a breaker is open (new entries do not).
 */
@Injectable()
export class ExitManager implements OnModuleDestroy {
  private readonly logger = new Logger(ExitManager.name);
  private readonly maxHoldMs: number;
  private sweeper: NodeJS.Timeout | null = null;
  private exitsRequested = 0;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly positions: PositionRepository,
    private readonly tracker: OrderTracker,
    private readonly live: LivePositions,
    private readonly books: OrderBookService,
    private readonly events: EventBus,
    private readonly crash: CrashInjector,
    private readonly clock: Clock,
    private readonly permit: TradingPermit,
  ) {
    this.maxHoldMs = config.risk.maxHoldSeconds * 1000;
  }

  /**
   * Starts the max-hold sweep (once the live picture has been reconciled, whether or not the bot takes new
   * entries). Whether an exit may start is the TradingPermit's answer, asked by requestClose.
   */
  activate(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  deactivate(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  onModuleDestroy(): void {
    this.deactivate();
  }

  get requested(): number {
    return this.exitsRequested;
  }

  /** Hot path: one map look-up for a symbol without a position; integer comparisons otherwise. */
  onBook(symbol: string, book: OrderBook, nowMs: number): void {
    const position = this.live.bySymbol(symbol);
    if (!position || position.status !== 'Open' || nowMs < position.nextExitAtMs) return;
    const reason = exitReasonFor(position, book.bestBid, book.bestAsk, nowMs, this.maxHoldMs);
    if (reason) this.requestClose(position, reason, marketContext(book));
  }

  /**
   * Starts closing a live Open position. Synchronous guard first (the live status becomes Closing at once, so
   * the next frame does not ask again), then the write-ahead and the send off the caller's turn.
   */
  requestClose(
    position: LivePosition,
    reason: ExitReason,
    market: JsonObject | null,
    signal: JsonObject | null = null,
    actor: 'bot' | 'operator' = 'bot',
  ): boolean {
    if (position.status !== 'Open' || this.permit.exitBlock() !== null) return false;
    position.status = 'Closing';
    this.exitsRequested += 1;
    void this.close(position, reason, { market, signal }, actor).catch((error: unknown) => {
      this.logger.error({ err: error, positionId: position.id, reason }, 'exit failed');
      // Back to the picture the database has, and try again later.
      position.status = 'Open';
      this.live.exitFailed(position.id, this.clock.nowMs());
    });
    return true;
  }

  private sweep(): void {
    const nowMs = this.clock.nowMs();
    for (const position of this.live.all()) {
      if (position.status === 'Closing' && position.exitOutcomeUnknown && nowMs >= position.nextExitAtMs) {
        if (this.permit.exitBlock() === null) this.retryUnknownExit(position);
        continue;
      }
      if (position.status !== 'Open' || nowMs < position.nextExitAtMs) continue;
      const book = this.books.book(position.symbol);
      const reason = exitReasonFor(
        position,
        book?.bestBid ?? Number.NaN,
        book?.bestAsk ?? Number.NaN,
        nowMs,
        this.maxHoldMs,
      );
      if (reason) this.requestClose(position, reason, book ? marketContext(book) : null);
    }
  }

  /** Another reduce-only exit for a Closing position whose last exit's fate is unknown (the position stays Closing). */
  private retryUnknownExit(position: LivePosition): void {
    position.exitOutcomeUnknown = false;
    this.exitsRequested += 1;
    void this.close(position, 'RETRY', { market: null, signal: null }).catch((error: unknown) => {
      this.logger.error({ err: error, positionId: position.id }, 'exit retry failed');
      this.live.exitUnknown(position.id, this.clock.nowMs());
    });
  }

  private async close(
    live: LivePosition,
    reason: ExitReason | 'RETRY',
    context: TradeContext,
    actor: 'bot' | 'operator' = 'bot',
  ): Promise<void> {
    const retry = reason === 'RETRY';
    const written = await this.tracker.serialisedPosition(live.id, () =>
      retryOnConflict(() =>
        this.dataSource.transaction(async (manager) => {
          const positions = this.positions.withManager(manager);
          const position = await positions.findById(live.id);
          if (!position || position.status !== (retry ? 'Closing' : 'Open') || !isPositiveDecimal(position.quantity))
            return undefined;
          const at = this.clock.nowMs();
          const traceId = position.traceId ?? undefined;
          const machine = PositionStateMachine.restore(position.status, position.stateHistory);
          if (!retry) machine.transition('Closing', { cause: `exit: ${reason}`, atMs: at, traceId });
          const exitReason = retry ? (position.exitReason ?? 'EXCHANGE_CLOSED') : reason;
          const clientOrderId = clientOrderIdFor({
            kind: 'exit',
            positionId: position.id,
            attempt: position.exitAttempts,
          });
          const closing = await positions.updateWithVersion(position.id, position.version, {
            status: 'Closing',
            stateHistory: [...machine.history],
            exitReason,
            exitAttempts: position.exitAttempts + 1,
            exitMarketData: (context.market as JsonObject | null) ?? position.exitMarketData,
            exitSignalData: (context.signal as JsonObject | null) ?? position.exitSignalData,
          });
          const order = await this.orders.withManager(manager).insertPending({
            clientOrderId,
            symbol: position.symbol,
            side: closingSide(position.side),
            orderType: 'Market',
            timeInForce: 'IOC',
            quantity: position.quantity,
            reduceOnly: true,
            positionId: position.id,
            marketData: (context.market as JsonObject | null) ?? null,
            signalData: (context.signal as JsonObject | null) ?? null,
            reason: retry ? `${exitReason} (retry: earlier exit outcome unknown)` : exitReason,
            traceId: position.traceId,
            stateHistory: OrderStateMachine.create({
              cause: `exit: ${exitReason}${retry ? ' (retry)' : ''}`,
              atMs: at,
              traceId,
            }).history,
          });
          return { before: position, closing, order, exitReason };
        }),
      ),
    );
    if (!written) {
      if (!retry) live.status = 'Open';
      return;
    }
    this.crash.reached('exit-pending-persisted');
    const { before, closing, order, exitReason } = written;
    this.tracker.remember(closing);
    const traceId = closing.traceId ?? undefined;
    this.events.publish('position.updated', {
      traceId,
      actor,
      before: toPositionView(before),
      position: toPositionView(closing),
      cause: `exit: ${exitReason}${retry ? ' (retry)' : ''}`,
    });
    this.events.publish('order.created', {
      traceId: order.traceId ?? undefined,
      actor,
      order: toOrderView(order),
      reason: exitReason,
      context,
    });
    await this.tracker.send(order, 'exit-acked');
  }
}

/** The book at the moment of an exit decision, for the position's exit context. */
export function marketContext(book: OrderBook): JsonObject {
  const bid = book.bestBid;
  const ask = book.bestAsk;
  return {
    bestBid: Number.isFinite(bid) ? book.priceText(bid) : null,
    bestAsk: Number.isFinite(ask) ? book.priceText(ask) : null,
    u: book.u,
    seq: book.seq,
    exchangeTs: book.exchangeTs,
  };
}
