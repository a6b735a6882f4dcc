import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { InstrumentsService } from '../exchange/instruments.service';
import { EventBus } from '../infra/events/event-bus';
import { clientOrderIdFor } from '../idempotency/domain/client-order-id';
import type { SizedEntry } from '../risk/domain/risk.types';
import { EntryRiskGate } from '../risk/domain/entry-risk-gate';
import type { BookReadiness } from '../risk/domain/risk-rules';
import type { Signal } from '../strategy/domain/signal';
import { CrashInjector } from './crash-injector';
import { ExecutionStatsRecorder } from './domain/execution-stats';
import { LivePositions } from './domain/live-positions';
import { OrderStateMachine } from './domain/order.fsm';
import { PositionStateMachine } from './domain/position.fsm';
import type { JsonObject } from './entities/order.entity';
import { toOrderView } from './execution.mapper';
import { DuplicateClientOrderIdError } from './execution.errors';
import { ExitManager } from './exit-manager.service';
import { livePositionOf } from './live-position.mapper';
import { OrderRepository } from './order.repository';
import { OrderTracker } from './order-tracker.service';
import { isOperationalBlock, TradingPermit } from './domain/trading-permit';

export type SignalOutcome = 'sent' | 'rejected' | 'duplicate' | 'exit' | 'ignored';

/**
 * Signal → risk → sized entry (STYLE.md §2). The synchronous part (risk decision, exposure reservation, the
 * deterministic orderLinkId) runs on the caller's turn with no await; then the one await before the send is the
 * write-ahead insert of the Pending order with its Opening position, keyed by the orderLinkId derived from the
 * signal id: the same signal, replayed or retried or delivered twice at once, can never produce a second order.
 */
@Injectable()
export class EntryExecutor {
  private readonly logger = new Logger(EntryExecutor.name);

  constructor(
    private readonly risk: EntryRiskGate,
    private readonly orders: OrderRepository,
    private readonly tracker: OrderTracker,
    private readonly exits: ExitManager,
    private readonly live: LivePositions,
    private readonly events: EventBus,
    private readonly crash: CrashInjector,
    private readonly stats: ExecutionStatsRecorder,
    private readonly instruments: InstrumentsService,
    private readonly clock: Clock,
    private readonly permit: TradingPermit,
  ) {}

  /**
   * Hot path entry. Returns what happened synchronously; the order itself is written and sent asynchronously.
   * `done`, when given, receives the promise of that asynchronous part (tests and benchmarks await it).
   */
  onSignal(signal: Signal, book: BookReadiness | undefined, done?: (work: Promise<void>) => void): SignalOutcome {
    const receivedAt = performance.now();
    const held = this.live.bySymbol(signal.symbol);
    if (held && held.side !== signal.side) {
      return this.exits.requestClose(held, 'OPPOSITE_SIGNAL', signalMarket(signal), signalSummary(signal))
        ? 'exit'
        : 'ignored';
    }
    const nowMs = this.clock.nowMs();
    // The one question of an entry. Closed for the bot's operating state (stopped, reconciling, another
    // instance's lease) it is not a risk rejection: nobody asked for entries, nothing to audit per signal. Closed
    // by a safety rule, the risk check below words, counts and publishes the refusal.
    const block = this.permit.entryBlock(signal.symbol, nowMs);
    if (block !== null && isOperationalBlock(block)) return 'ignored';
    const clientOrderId = clientOrderIdFor({ kind: 'entry', signalId: signal.id });
    if (this.live.hasEntry(clientOrderId)) {
      this.stats.recordDuplicate();
      return 'duplicate';
    }
    const decision = this.risk.checkEntry(
      {
        signalId: signal.id,
        symbol: signal.symbol,
        side: signal.side,
        price: signal.price,
        nowMs,
      },
      this.live.exposure(),
      book,
    );
    if (!decision.approved) return 'rejected';
    this.live.reserveEntry({
      clientOrderId,
      symbol: signal.symbol,
      side: signal.side,
      notionalUsdt: decision.order.notionalUsdt,
      signalPrice: Number(signal.price),
      signalAtPerfMs: receivedAt,
    });
    const work = this.place(signal, decision.order, clientOrderId, receivedAt);
    done?.(work);
    return 'sent';
  }

  private async place(signal: Signal, sized: SizedEntry, clientOrderId: string, receivedAt: number): Promise<void> {
    const atMs = this.clock.nowMs();
    const traceId = signal.id;
    const context = {
      signal: signalSummary(signal),
      market: signalMarket(signal),
      indicators: signalIndicators(signal),
    };
    let written;
    const writeStartedAt = performance.now();
    try {
      written = await this.orders.insertEntry(
        {
          symbol: sized.symbol,
          side: sized.side,
          quantity: '0',
          takeProfit: sized.takeProfit,
          stopLoss: sized.stopLoss,
          entryReason: signal.reason,
          signalData: context.signal,
          entryMarketData: context.market,
          entryIndicators: context.indicators,
          traceId,
          stateHistory: PositionStateMachine.create({ cause: `signal ${signal.id}`, atMs, traceId }).history,
        },
        {
          clientOrderId,
          symbol: sized.symbol,
          side: sized.side,
          orderType: 'Market',
          timeInForce: 'IOC',
          quantity: sized.qty,
          price: null,
          reason: signal.reason,
          traceId,
          stateHistory: OrderStateMachine.create({ cause: `signal ${signal.id}`, atMs, traceId }).history,
        },
      );
    } catch (error) {
      this.live.releaseEntry(clientOrderId);
      if (error instanceof DuplicateClientOrderIdError) {
        // Handled before (another delivery, a replay, an earlier life of this process): that order stands.
        this.stats.recordDuplicate();
        return;
      }
      this.logger.error({ err: error, signalId: signal.id }, 'could not write the entry; nothing was sent');
      return;
    }
    this.stats.recordWriteAhead(performance.now() - writeStartedAt);
    this.crash.reached('pending-persisted');
    const { order } = written;
    const sending = this.tracker.send(order, 'order-acked', {
      onSent: () => this.stats.recordSent(performance.now() - receivedAt),
      onAcked: () => this.stats.recordAck(performance.now() - receivedAt),
    });
    // Bookkeeping once the request is on its way: whatever the exchange says about this order (ack, pushes, a failed
    // send's transitions) is handled on later turns, after these synchronous lines.
    // The symbol stays in use from now on through the live position, also after the entry order's terminal
    // push releases the reservation and before its fill arrives.
    this.live.upsert(
      livePositionOf(
        {
          id: written.positionId,
          symbol: sized.symbol,
          side: sized.side,
          status: 'Opening',
          quantity: '0',
          entryPrice: null,
          takeProfit: sized.takeProfit,
          stopLoss: sized.stopLoss,
          openedAt: null,
        },
        this.instruments.get(sized.symbol)?.tickSize,
      ),
    );
    this.events.publish('order.created', {
      traceId,
      actor: 'bot',
      order: toOrderView(order),
      reason: signal.reason,
      context,
    });
    await sending;
  }
}

function signalSummary(signal: Signal): JsonObject {
  return {
    id: signal.id,
    type: signal.side === 'Buy' ? 'BUY' : 'SELL',
    strategy: signal.strategy,
    side: signal.side,
    strength: signal.strength,
    reason: signal.reason,
    price: signal.price,
    atMs: signal.atMs,
  };
}

function signalMarket(signal: Signal): JsonObject {
  return { ...signal.context.metrics, bookU: signal.context.bookU, bookSeq: signal.context.bookSeq };
}

function signalIndicators(signal: Signal): JsonObject | null {
  return signal.context.features ?? null;
}
