import { clientOrderIdFor } from '../../idempotency/domain/client-order-id';
import type { OrderBook } from '../../order-book/domain/order-book';
import type { SizedEntry } from '../../risk/domain/risk.types';
import type { Signal } from '../../strategy/domain/signal';
import type { ExecutionStatsRecorder } from './execution-stats';
import type { ExecutionEventSink } from './execution-events';
import { toOrderView } from './execution-events';
import type { ExecutionStore, WrittenEntry } from './execution-store';
import type { KernelEnvironment, RiskPort } from './kernel-ports';
import type { OrderCreateSender } from './order-create-sender';
import { OrderStateMachine } from './order.fsm';
import type { JsonObject } from './order-vocabulary';
import type { PositionLedger } from './position-ledger';
import { PositionStateMachine } from './position.fsm';
import { isDuplicateClientOrderId } from './store-conflicts';

export type SignalOutcome = 'sent' | 'rejected' | 'duplicate' | 'exit' | 'ignored';

/**
 * Signal → risk → sized entry (STYLE.md §2). The synchronous part (risk decision, exposure reservation, the
 * deterministic orderLinkId) runs on the caller's turn with no await; then the one await before the send is the
 * write-ahead of the Pending order with its Opening position, keyed by the orderLinkId derived from the signal id:
 * the same signal, replayed or retried or delivered twice at once, can never produce a second order.
 */
export class EntryExecutor {
  constructor(
    private readonly risk: RiskPort,
    private readonly store: ExecutionStore,
    private readonly sender: OrderCreateSender,
    private readonly ledger: PositionLedger,
    private readonly events: ExecutionEventSink,
    private readonly stats: ExecutionStatsRecorder,
    private readonly env: KernelEnvironment,
  ) {}

  /**
   * An entry the trading gate allows (the caller asked it): risk, the reservation, then the write-ahead and the
   * send off this turn. `receivedAt` is the stopwatch reading when the signal arrived; `done` receives the promise
   * of the asynchronous part.
   */
  enter(
    signal: Signal,
    book: OrderBook | undefined,
    receivedAt: number,
    nowMs: number,
    done?: (work: Promise<void>) => void,
  ): SignalOutcome {
    const live = this.ledger.live;
    const clientOrderId = clientOrderIdFor({ kind: 'entry', signalId: signal.id });
    if (live.hasEntry(clientOrderId)) {
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
      live.exposure(),
      book,
    );
    if (!decision.approved) return 'rejected';
    live.reserveEntry({
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
    const { clock, stopwatch, log, crashPoints } = this.env;
    const live = this.ledger.live;
    const atMs = clock.nowMs();
    const traceId = signal.id;
    const context = {
      signal: signalSummary(signal),
      market: signalMarket(signal),
      // A store that keeps no context (the backtest's) is not handed the ~110 feature values it would drop.
      indicators: this.store.keepsContext === false ? null : signalIndicators(signal),
    };
    let written: WrittenEntry;
    const writeStartedAt = stopwatch.nowMs();
    try {
      written = await this.store.writeAheadEntry(
        {
          symbol: sized.symbol,
          side: sized.side,
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
      live.releaseEntry(clientOrderId);
      if (isDuplicateClientOrderId(error)) {
        // Handled before (another delivery, a replay, an earlier life of this process): that order stands.
        this.stats.recordDuplicate();
        return;
      }
      log.error({ err: error, signalId: signal.id }, 'could not write the entry; nothing was sent');
      return;
    }
    const writeAheadMs = stopwatch.nowMs() - writeStartedAt;
    crashPoints.reached('pending-persisted');
    const { order } = written;
    const sending = this.sender.send(order, 'order-acked', {
      onSent: () => this.stats.recordSent(stopwatch.nowMs() - receivedAt),
      onAcked: () => this.stats.recordAck(stopwatch.nowMs() - receivedAt),
    });
    // Recorded once the request is on its way (send's synchronous part hands it to the exchange client): with
    // metrics on, its histogram observation measured a few µs on the stretch between the commit and the send.
    this.stats.recordWriteAhead(writeAheadMs);
    // Bookkeeping once the request is on its way: whatever the exchange says about this order (ack, pushes, a failed
    // send's transitions) is handled on later turns, after these synchronous lines.
    // The symbol stays in use from now on through the live position, also after the entry order's terminal
    // push releases the reservation and before its fill arrives.
    this.ledger.remember({
      id: written.positionId,
      symbol: sized.symbol,
      side: sized.side,
      status: 'Opening',
      quantity: '0',
      entryPrice: null,
      takeProfit: sized.takeProfit,
      stopLoss: sized.stopLoss,
      openedAt: null,
    });
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

export function signalSummary(signal: Signal): JsonObject {
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

export function signalMarket(signal: Signal): JsonObject {
  return { ...signal.context.metrics, bookU: signal.context.bookU, bookSeq: signal.context.bookSeq };
}

function signalIndicators(signal: Signal): JsonObject | null {
  return signal.context.features?.toRecord() ?? null;
}
