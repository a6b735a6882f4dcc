import { isPositiveDecimal } from '../../common/money';
import { clientOrderIdFor } from '../../idempotency/domain/client-order-id';
import type { OrderBook } from '../../order-book/domain/order-book';
import { toOrderView, toPositionView, type ExecutionEventSink, type TradeContext } from './execution-events';
import type { ExecutionStore, PositionRecordChanges } from './execution-store';
import { closingSide, ExitReason, exitReasonFor } from './exit-rules';
import type { BookLookup, KernelEnvironment } from './kernel-ports';
import type { LivePosition } from './live-positions';
import type { OrderCreateSender } from './order-create-sender';
import { OrderStateMachine } from './order.fsm';
import type { JsonObject } from './order-vocabulary';
import type { PositionLedger } from './position-ledger';
import { positionTransition } from './position.fsm';
import { retryOnConflict } from './store-conflicts';
import type { TradingPermit } from './trading-permit';

/**
 * Exits: take-profit and stop-loss on the executable side of the book (checked on every book update of a symbol
 * with an open position), the max hold time (also swept on a timer the adapter runs, so a quiet book still closes
 * on time), opposite signals, and operator requests. An exit is a reduce-only market order written as Pending
 * together with the position's move to Closing, then sent. A failed exit puts the position back to Open and is
 * retried with a doubling back-off: exits keep trying while a breaker is open (new entries do not).
 *
 * Seven collaborators plus one setting (maxHoldMs): the kernel builds it, so the count is wiring, not coupling.
 */
export class ExitManager {
  private exitsRequested = 0;

  constructor(
    private readonly store: ExecutionStore,
    private readonly ledger: PositionLedger,
    private readonly sender: OrderCreateSender,
    private readonly permit: TradingPermit,
    private readonly books: BookLookup,
    private readonly events: ExecutionEventSink,
    private readonly env: KernelEnvironment,
    private readonly maxHoldMs: number,
  ) {}

  get requested(): number {
    return this.exitsRequested;
  }

  /** Hot path: one map look-up for a symbol without a position; integer comparisons otherwise. */
  onBook(symbol: string, book: OrderBook, nowMs: number): void {
    const position = this.ledger.live.bySymbol(symbol);
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
      this.env.log.error({ err: error, positionId: position.id, reason }, 'exit failed');
      // Back to the picture the database has, and try again later.
      position.status = 'Open';
      this.ledger.live.exitFailed(position.id, this.env.clock.nowMs());
    });
    return true;
  }

  /**
   * The max-hold sweep (the adapter calls it every 250 ms once the live picture is reconciled) and the retry of
   * exits whose outcome stayed unknown.
   */
  sweep(): void {
    const nowMs = this.env.clock.nowMs();
    for (const position of this.ledger.live.all()) {
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
      this.env.log.error({ err: error, positionId: position.id }, 'exit retry failed');
      this.ledger.live.exitUnknown(position.id, this.env.clock.nowMs());
    });
  }

  private async close(
    live: LivePosition,
    reason: ExitReason | 'RETRY',
    context: TradeContext,
    actor: 'bot' | 'operator' = 'bot',
  ): Promise<void> {
    const { clock, delay, crashPoints } = this.env;
    const retry = reason === 'RETRY';
    const written = await this.ledger.serialisedPosition(live.id, () =>
      retryOnConflict(delay, async () => {
        const position = await this.store.positionById(live.id);
        if (!position || position.status !== (retry ? 'Closing' : 'Open') || !isPositiveDecimal(position.quantity))
          return undefined;
        const at = clock.nowMs();
        const traceId = position.traceId ?? undefined;
        const exitReason = retry ? (position.exitReason ?? 'EXCHANGE_CLOSED') : reason;
        const clientOrderId = clientOrderIdFor({
          kind: 'exit',
          positionId: position.id,
          attempt: position.exitAttempts,
        });
        const figures: PositionRecordChanges = {
          exitReason,
          exitAttempts: position.exitAttempts + 1,
          exitMarketData: (context.market as JsonObject | null) ?? position.exitMarketData,
          exitSignalData: (context.signal as JsonObject | null) ?? position.exitSignalData,
        };
        // A retry re-sends from Closing: the position does not move, only the exit attempt is counted.
        const changes = retry
          ? { ...figures, status: 'Closing' as const, stateHistory: [...position.stateHistory] }
          : positionTransition(position, 'Closing', { cause: `exit: ${reason}`, atMs: at }, figures);
        const { position: closing, order } = await this.store.writeAheadExit(position.id, position.version, changes, {
          clientOrderId,
          symbol: position.symbol,
          side: closingSide(position.side),
          orderType: 'Market',
          timeInForce: 'IOC',
          quantity: position.quantity,
          reduceOnly: true,
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
    );
    if (!written) {
      if (!retry) live.status = 'Open';
      return;
    }
    crashPoints.reached('exit-pending-persisted');
    const { before, closing, order, exitReason } = written;
    this.ledger.remember(closing);
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
    await this.sender.send(order, 'exit-acked');
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
