import type { ExchangeExecution } from '../../exchange/exchange.types';
import { isPositiveDecimal } from '../../common/money';
import type { ExecutionStatsRecorder } from './execution-stats';
import { toOrderView, toPositionView, type ExecutionEventSink } from './execution-events';
import type { ExecutionStore, OrderRecord } from './execution-store';
import type { Actor, InstrumentLookup, KernelEnvironment, RiskPort } from './kernel-ports';
import type { PositionLedger } from './position-ledger';

/**
 * Applies one execution (fill) of ours: the store records it once per execId with the order's and the position's
 * figures (the fill ledger's accounting), then the kernel publishes what changed, feeds the realised PnL of a
 * closed position to risk and the first-fill latency to the stats. Fills are the only source of filled size and
 * position size.
 */
export class FillRecorder {
  constructor(
    private readonly store: ExecutionStore,
    private readonly ledger: PositionLedger,
    private readonly instruments: InstrumentLookup,
    private readonly events: ExecutionEventSink,
    private readonly risk: RiskPort,
    private readonly stats: ExecutionStatsRecorder,
    private readonly env: KernelEnvironment,
  ) {}

  /** False when the execution was applied before (same execId) or its order is unknown. */
  async apply(orderId: string, execution: ExchangeExecution, actor: Actor): Promise<boolean> {
    const { clock, crashPoints, log } = this.env;
    const fee = execution.execFee || '0';
    const outcome = await this.store.applyExecution(
      orderId,
      {
        execId: execution.execId,
        price: execution.execPrice,
        quantity: execution.execQty,
        fee,
        feeCurrency: execution.feeCurrency || null,
        isMaker: execution.isMaker,
        atMs: execution.execTime || clock.nowMs(),
      },
      (order: OrderRecord) => this.instruments.get(order.symbol)?.qtyStep ?? stepOf(execution.execQty),
      () => crashPoints.reached('trade-persisted'),
    );
    if (!outcome) return false;
    const { order, before, position } = outcome;
    if (position && isPositiveDecimal(outcome.excessQuantity)) {
      log.warn(
        { positionId: position.id, execId: execution.execId, excess: outcome.excessQuantity },
        'fill larger than the open position; the excess is not applied',
      );
    }
    this.events.publish('order.filled', {
      traceId: order.traceId ?? undefined,
      actor,
      order: toOrderView(order),
      fill: {
        execId: execution.execId,
        price: execution.execPrice,
        quantity: execution.execQty,
        fee,
        isMaker: execution.isMaker,
        executedAt: new Date(execution.execTime).toISOString(),
      },
    });
    if (!order.reduceOnly) this.recordEntryFill(order.clientOrderId, Number(execution.execPrice));
    if (!position || !before) return true;
    this.ledger.remember(position);
    const traceId = position.traceId ?? undefined;
    if (before.status === 'Opening' && position.status === 'Open') {
      this.events.publish('position.opened', {
        traceId,
        actor,
        position: toPositionView(position),
        context: {
          signal: position.signalData,
          market: position.entryMarketData,
          indicators: position.entryIndicators,
        },
      });
      crashPoints.reached('position-opened');
    } else if (position.status === 'Closed') {
      this.events.publish('position.closed', {
        traceId,
        actor,
        position: toPositionView(position),
        entryContext: {
          signal: position.signalData,
          market: position.entryMarketData,
          indicators: position.entryIndicators,
        },
        exitContext: {
          signal: position.exitSignalData,
          market: position.exitMarketData,
          indicators: position.exitIndicators,
        },
      });
      this.risk.recordRealisedPnl(Number(position.realizedPnl), execution.execTime || clock.nowMs(), traceId);
      crashPoints.reached('position-closed');
    } else {
      this.events.publish('position.updated', {
        traceId,
        actor,
        before: toPositionView(before),
        position: toPositionView(position),
        cause: `fill ${execution.execQty} @ ${execution.execPrice}`,
      });
    }
    return true;
  }

  private recordEntryFill(clientOrderId: string, fillPrice: number): void {
    const entry = this.ledger.live.entry(clientOrderId);
    if (!entry || entry.firstFillSeen) return;
    entry.firstFillSeen = true;
    this.stats.recordFirstFill(
      this.env.stopwatch.nowMs() - entry.signalAtPerfMs,
      entry.side,
      entry.signalPrice,
      fillPrice,
    );
  }
}

/** The step implied by a quantity's decimals when the instrument is unknown (a fill is always on its own grid). */
function stepOf(quantity: string): string {
  const decimals = (quantity.split('.')[1] ?? '').length;
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}
