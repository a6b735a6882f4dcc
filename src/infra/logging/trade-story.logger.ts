import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { EventBus } from '../events/event-bus';

/** One line per this window for each kind of risk rejection; the next line says how many were not logged. */
export const REJECTION_LOG_INTERVAL_MS = 10_000;

/**
 * The story of each trade in the log, from the domain events: signal, risk rejection (rate-limited), order
 * sent / acknowledged / filled / rejected, position opened and closed (PnL, exit reason), reconciliation fixes and
 * kill-switch changes. Every line carries `trace_id`, the id of the signal (or recovery run) that caused it, so
 * `grep <trace_id>` (or jq) tells one trade from signal to close. Handlers run after the publisher's work (EventBus),
 * so none of this is on the hot path.
 */
@Injectable()
export class TradeStoryLogger implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Trade');
  private readonly unsubscribes: Array<() => void> = [];
  /** Per rejection code: when its last line was written and how many were skipped since. */
  private readonly rejections = new Map<string, { lastMs: number; skipped: number }>();

  constructor(
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    const log = this.logger;
    this.unsubscribes.push(
      this.events.on('signal.generated', ({ traceId, signal }) =>
        log.log(
          {
            trace_id: traceId ?? signal.id,
            symbol: signal.symbol,
            side: signal.side,
            price: signal.price,
            strength: signal.strength,
          },
          `signal ${signal.side} ${signal.symbol} @ ${signal.price}: ${signal.reason}`,
        ),
      ),
      this.events.on('risk.rejected', (event) => this.onRejected(event)),
      this.events.on('order.created', ({ traceId, order, reason }) =>
        log.log(
          {
            trace_id: traceId,
            symbol: order.symbol,
            side: order.side,
            clientOrderId: order.clientOrderId,
            quantity: order.quantity,
            orderType: order.orderType,
            reduceOnly: order.reduceOnly,
          },
          `order sent: ${order.side} ${order.quantity} ${order.symbol} ${order.orderType}${order.reduceOnly ? ' (exit)' : ''} — ${reason}`,
        ),
      ),
      this.events.on('order.status-changed', ({ traceId, order, from, cause, error }) => {
        const fields = { trace_id: traceId, symbol: order.symbol, clientOrderId: order.clientOrderId, from };
        if (order.status === 'Placed' && from === 'Pending')
          log.log({ ...fields, exchangeOrderId: order.exchangeOrderId }, `order acked: ${order.clientOrderId}`);
        else if (order.status === 'Rejected' || order.status === 'Failed')
          log.warn(
            { ...fields, status: order.status, cause, error },
            `order ${order.status.toLowerCase()}: ${error ?? cause}`,
          );
      }),
      this.events.on('order.filled', ({ traceId, order, fill }) =>
        log.log(
          {
            trace_id: traceId,
            symbol: order.symbol,
            side: order.side,
            clientOrderId: order.clientOrderId,
            price: fill.price,
            quantity: fill.quantity,
            fee: fill.fee,
            filled: order.filledQuantity,
            of: order.quantity,
          },
          `order filled: ${order.side} ${fill.quantity} ${order.symbol} @ ${fill.price} (${order.filledQuantity}/${order.quantity})`,
        ),
      ),
      this.events.on('position.opened', ({ traceId, position }) =>
        log.log(
          {
            trace_id: traceId,
            positionId: position.id,
            symbol: position.symbol,
            side: position.side,
            quantity: position.quantity,
            entryPrice: position.entryPrice,
            takeProfit: position.takeProfit,
            stopLoss: position.stopLoss,
          },
          `position opened: ${position.side} ${position.quantity} ${position.symbol} @ ${position.entryPrice ?? '?'}`,
        ),
      ),
      this.events.on('position.closed', ({ traceId, position }) =>
        log.log(
          {
            trace_id: traceId,
            positionId: position.id,
            symbol: position.symbol,
            side: position.side,
            entryPrice: position.entryPrice,
            exitPrice: position.exitPrice,
            realizedPnl: position.realizedPnl,
            fees: position.fees,
            exitReason: position.exitReason,
          },
          `position closed: ${position.symbol} ${position.exitReason ?? 'unknown'} PnL ${position.realizedPnl} USDT`,
        ),
      ),
      this.events.on('recovery.discrepancy-fixed', ({ traceId, kind, entityType, entityId, symbol, reason }) =>
        log.warn(
          { trace_id: traceId, kind, entityType, entityId, symbol },
          `reconciliation fixed ${kind} (${symbol}): ${reason}`,
        ),
      ),
      this.events.on('risk.kill-switch-changed', (event) => {
        const fields = {
          trace_id: event.traceId,
          actor: event.actor,
          reason: event.reason,
          dailyRealisedPnlUsdt: event.dailyRealisedPnlUsdt,
          maxDailyLossUsdt: event.maxDailyLossUsdt,
        };
        if (event.active) log.warn(fields, `kill switch TRIPPED by ${event.actor}: ${event.reason}`);
        else log.log(fields, `kill switch reset by ${event.actor}: ${event.reason}`);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  /** A quiet market can reject every book update; one line per code per window keeps the log readable. */
  private onRejected(event: {
    readonly traceId?: string;
    readonly signalId: string;
    readonly symbol: string;
    readonly side: string;
    readonly code: string;
    readonly message: string;
  }): void {
    const nowMs = this.clock.nowMs();
    const state = this.rejections.get(event.code);
    if (state && nowMs - state.lastMs < REJECTION_LOG_INTERVAL_MS) {
      state.skipped += 1;
      return;
    }
    const suppressed = state?.skipped ?? 0;
    this.rejections.set(event.code, { lastMs: nowMs, skipped: 0 });
    this.logger.log(
      {
        trace_id: event.traceId ?? event.signalId,
        symbol: event.symbol,
        side: event.side,
        code: event.code,
        suppressed,
      },
      `risk rejected ${event.side} ${event.symbol}: ${event.code} — ${event.message}` +
        (suppressed > 0 ? ` (${suppressed} more ${event.code} since the last line)` : ''),
    );
  }
}
