import { isPositiveDecimal } from '../../common/money';
import { ExchangeError } from '../../exchange/exchange.errors';
import type { ExchangeRest } from '../../exchange/exchange.port';
import type { ExchangeOrder, OrderAck } from '../../exchange/exchange.types';
import type { ExchangeReports } from './exchange-reports';
import type { ExecutionStatsRecorder } from './execution-stats';
import type { OrderRecord } from './execution-store';
import type { Actor, KernelEnvironment } from './kernel-ports';
import type { LivePositions } from './live-positions';
import type { TradingPermit } from './trading-permit';

/** The result of looking an order up on the exchange by its orderLinkId. */
export type SyncOutcome = 'found' | 'missing';

const UNKNOWN_OUTCOME_LOOKUPS = 3;
const UNKNOWN_OUTCOME_DELAY_MS = 1000;

/**
 * Sends the REST create of a written Pending order, once, and resolves what its answer leaves open: an ack goes
 * to ExchangeReports, a refusal ends the order, and an unknown outcome (timeout, 5xx, duplicate id) is looked up
 * by orderLinkId with a back-off, never resent. Also the look-up itself (syncOrder), which recovery and the REST
 * poll use.
 */
export class OrderCreateSender {
  /** Orders whose create request is on the wire in this process: recovery must not declare them lost. */
  private readonly sending = new Set<string>();

  constructor(
    private readonly venue: ExchangeRest,
    private readonly reports: ExchangeReports,
    private readonly live: LivePositions,
    private readonly permit: TradingPermit,
    private readonly stats: ExecutionStatsRecorder,
    private readonly env: KernelEnvironment,
  ) {}

  isSending(clientOrderId: string): boolean {
    return this.sending.has(clientOrderId);
  }

  /**
   * Sends a written Pending order and applies the answer. Never throws: every outcome ends in a recorded state
   * (Placed, Rejected, Failed) or in a look-up by orderLinkId when the exchange may or may not have it.
   */
  async send(
    order: OrderRecord,
    ackPoint: 'order-acked' | 'exit-acked',
    hooks: { onSent?: () => void; onAcked?: () => void } = {},
  ): Promise<void> {
    const { log } = this.env;
    const block = this.permit.sendBlock();
    if (block !== null) {
      // The lease went (or changed hands) while the order was being written: another instance may trade the
      // symbol now. The Pending row is left to whoever reconciles next (not on the exchange → Failed), exactly as
      // after a crash before sending.
      log.warn(
        { clientOrderId: order.clientOrderId, symbol: order.symbol, block },
        'not sent: the symbol lease was lost or changed hands after the order was written',
      );
      return;
    }
    this.sending.add(order.clientOrderId);
    let ack: OrderAck;
    try {
      const request = this.venue.placeOrder({
        symbol: order.symbol,
        side: order.side,
        orderType: order.orderType,
        qty: order.quantity,
        price: order.price ?? undefined,
        timeInForce: order.orderType === 'Market' ? undefined : order.timeInForce,
        orderLinkId: order.clientOrderId,
        positionIdx: 0,
        reduceOnly: order.reduceOnly || undefined,
      });
      hooks.onSent?.();
      ack = await request;
    } catch (error) {
      this.sending.delete(order.clientOrderId);
      this.stats.recordSendFailure();
      await this.onSendError(order, error).catch((e: unknown) =>
        log.error({ err: e, clientOrderId: order.clientOrderId }, 'recording a failed send failed'),
      );
      return;
    }
    this.sending.delete(order.clientOrderId);
    hooks.onAcked?.();
    this.env.crashPoints.reached(ackPoint);
    await this.reports
      .onAck(order, ack)
      .catch((e: unknown) =>
        log.error({ err: e, clientOrderId: order.clientOrderId }, 'recording an acknowledgement failed'),
      );
  }

  /**
   * Looks the order up on the exchange by orderLinkId and applies what it finds: its executions first (so the
   * position is right), then its status. 'missing' when the exchange has never seen it.
   */
  async syncOrder(order: OrderRecord, actor: Actor): Promise<{ outcome: SyncOutcome; missedFills: number }> {
    const report = await this.lookUp(order.clientOrderId, order.symbol);
    if (!report) return { outcome: 'missing', missedFills: 0 };
    let missedFills = 0;
    if (isPositiveDecimal(report.cumExecQty)) {
      let cursor: string | undefined;
      do {
        const page = await this.venue.getExecutions({
          symbol: order.symbol,
          orderLinkId: order.clientOrderId,
          limit: 100,
          cursor,
        });
        // Oldest first, so running averages build in the order the fills happened.
        for (const execution of [...page.items].sort((a, b) => a.execTime - b.execTime || a.seq - b.seq)) {
          if (await this.reports.applyExecution(order, execution, actor)) missedFills += 1;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    await this.reports.applyReport(order, report, actor);
    return { outcome: 'found', missedFills };
  }

  private async onSendError(order: OrderRecord, error: unknown): Promise<void> {
    const exchangeError = error instanceof ExchangeError ? error : undefined;
    const message = error instanceof Error ? error.message : String(error);
    const outcome = sendOutcome(exchangeError);
    this.env.log.warn(
      { clientOrderId: order.clientOrderId, code: exchangeError?.code, outcome, err_message: message },
      'order create failed',
    );
    if (outcome === 'unknown') {
      await this.resolveUnknownOutcome(order, message);
      return;
    }
    await this.reports.endUnsent(order, outcome, exchangeError?.code ?? 'error', message);
  }

  /** Timeout, 5xx, duplicate id: the exchange may have the order. Ask it by orderLinkId; never resend. */
  private async resolveUnknownOutcome(order: OrderRecord, firstError: string): Promise<void> {
    const { log, delay, clock } = this.env;
    for (let attempt = 1; attempt <= UNKNOWN_OUTCOME_LOOKUPS; attempt += 1) {
      try {
        const { outcome } = await this.syncOrder(order, 'bot');
        if (outcome === 'found') return;
      } catch (error) {
        log.warn({ err: error, clientOrderId: order.clientOrderId, attempt }, 'order look-up failed');
      }
      await delay.wait(UNKNOWN_OUTCOME_DELAY_MS * attempt);
    }
    // Still unknown after the look-ups: leave it Pending for the REST poll and reconciliation rather than guess,
    // unless the exchange answered the last look-up (then it truly never got the order).
    try {
      if (!(await this.lookUp(order.clientOrderId, order.symbol))) {
        await this.reports.markNeverSent(order, `not on the exchange after: ${firstError}`, 'bot');
        return;
      }
    } catch (error) {
      log.warn(
        { err: error, clientOrderId: order.clientOrderId },
        'order outcome still unknown; the REST poll and reconciliation will resolve it',
      );
    }
    if (order.reduceOnly && order.positionId) this.live.exitUnknown(order.positionId, clock.nowMs());
  }

  private async lookUp(clientOrderId: string, symbol: string): Promise<ExchangeOrder | undefined> {
    const open = await this.venue.getOpenOrders({ symbol, orderLinkId: clientOrderId });
    const found = open.items.find((o) => o.orderLinkId === clientOrderId);
    if (found) return found;
    const history = await this.venue.getOrderHistory({ symbol, orderLinkId: clientOrderId });
    return history.items.find((o) => o.orderLinkId === clientOrderId);
  }
}

/** How a failed create ends: refused on its merits (Rejected), never reached the venue (Failed), or unknown. */
export function sendOutcome(error: ExchangeError | undefined): 'Rejected' | 'Failed' | 'unknown' {
  if (!error) return 'unknown';
  switch (error.code) {
    case 'TIMEOUT':
    case 'EXCHANGE_UNAVAILABLE':
    case 'ORDER_BUSY':
    case 'DUPLICATE_ORDER_LINK_ID':
    case 'BAD_RESPONSE':
      return 'unknown';
    case 'REJECTED':
    case 'INVALID_REQUEST':
    case 'INSUFFICIENT_BALANCE':
    case 'ORDER_NOT_FOUND':
    case 'ORDER_CLOSED':
      return 'Rejected';
    case 'RATE_LIMITED':
    case 'RATE_LIMIT_WAIT_EXCEEDED':
    case 'CLOCK_SKEW':
    case 'AUTH_FAILED':
    case 'CIRCUIT_OPEN':
    case 'NO_CREDENTIALS':
      return 'Failed';
    default:
      return 'unknown';
  }
}
