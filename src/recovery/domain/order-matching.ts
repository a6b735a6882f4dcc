import { compare, parseRational } from '../../common/money';
import { orderStatusFromExchange } from '../../execution/domain/exchange-status';
import type { NewOrderRecord } from '../../execution/domain/execution-store';
import { OrderStateMachine } from '../../execution/domain/order.fsm';
import { TIME_IN_FORCE, type OrderStatus } from '../../execution/domain/order-vocabulary';

/**
 * Reconciliation's matching of orders: the ones the database says may still trade against what the exchange reports
 * for each (looked up by orderLinkId), and the exchange's open orders against the database's rows. Pure: it says
 * what to repair; the service gathers the inputs and repairs through execution's state machines.
 */

/** An order the database holds as active (Pending, Placed, PartiallyFilled). */
export interface RecordedOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly status: OrderStatus;
  readonly filledQuantity: string;
}

/** The exchange's report of one order (its open-order list or its history). */
export interface ReportedOrder {
  readonly orderLinkId: string;
  readonly symbol: string;
  /** Bybit's orderStatus. */
  readonly status: string;
  readonly cumExecQty: string;
}

export type RecordedOrderRepair<R extends RecordedOrder, E extends ReportedOrder> =
  /** Its create request is on the wire in this process: the answer settles it, recovery must not declare it lost. */
  | { readonly kind: 'in-flight'; readonly order: R }
  /** Pending here, unknown to the exchange: it never got there (crash between write-ahead and send). */
  | { readonly kind: 'never-sent'; readonly order: R }
  /** Working here, unknown to the exchange (its history keeps unfilled cancelled orders 24 h only). */
  | { readonly kind: 'vanished'; readonly order: R }
  /**
   * Known to the exchange: apply its report. `statusDiverged` when the exchange's status is not ours (a status
   * missed while away, e.g. an acknowledgement or a fill lost in a crash); `missedFills` when it has filled more
   * than we recorded (its executions are to be fetched and applied first, so the position is right).
   */
  | {
      readonly kind: 'sync';
      readonly order: R;
      readonly report: E;
      readonly statusDiverged: boolean;
      readonly missedFills: boolean;
    };

/**
 * `recorded` in the order the database returned them; `reports` maps orderLinkId to what the exchange answered
 * (absent: the exchange does not know it); `inFlight` the orderLinkIds whose create is on the wire here (they are
 * not looked up). An order in a terminal status (it should not be among the active) needs nothing.
 */
export function matchRecordedOrders<R extends RecordedOrder, E extends ReportedOrder>(
  recorded: readonly R[],
  reports: ReadonlyMap<string, E>,
  inFlight: ReadonlySet<string>,
): RecordedOrderRepair<R, E>[] {
  const repairs: RecordedOrderRepair<R, E>[] = [];
  for (const order of recorded) {
    if (inFlight.has(order.clientOrderId)) {
      repairs.push({ kind: 'in-flight', order });
      continue;
    }
    const report = reports.get(order.clientOrderId);
    if (report) {
      repairs.push({
        kind: 'sync',
        order,
        report,
        statusDiverged: statusDiverged(order.status, report),
        missedFills: filledMore(report.cumExecQty, order.filledQuantity),
      });
    } else if (order.status === 'Pending') {
      repairs.push({ kind: 'never-sent', order });
    } else if (order.status === 'Placed' || order.status === 'PartiallyFilled') {
      repairs.push({ kind: 'vanished', order });
    }
  }
  return repairs;
}

/** The exchange's open orders worth a database look-up: ours by symbol, with an orderLinkId to find the row by. */
export function keyedOpenOrders<E extends ReportedOrder>(open: readonly E[], symbols: readonly string[]): E[] {
  return open.filter((report) => symbols.includes(report.symbol) && report.orderLinkId !== '');
}

export type ExchangeOrderRepair<E extends ReportedOrder> =
  /** Open on the exchange under an orderLinkId the database has no row for: written here, then synced. */
  | { readonly kind: 'adopt'; readonly report: E }
  /** Open on the exchange without an orderLinkId (placed by hand in the exchange's UI): no key to write it under. */
  | { readonly kind: 'unkeyed'; readonly report: E };

/**
 * The exchange's open orders (all symbols of the account) against the orderLinkIds that have a database row
 * (`known`, any status). Other symbols belong to other instances and are left alone.
 */
export function matchExchangeOpenOrders<E extends ReportedOrder>(
  open: readonly E[],
  known: ReadonlySet<string>,
  symbols: readonly string[],
): ExchangeOrderRepair<E>[] {
  const repairs: ExchangeOrderRepair<E>[] = [];
  for (const report of open) {
    if (!symbols.includes(report.symbol)) continue;
    if (report.orderLinkId === '') repairs.push({ kind: 'unkeyed', report });
    else if (!known.has(report.orderLinkId)) repairs.push({ kind: 'adopt', report });
  }
  return repairs;
}

/** What the exchange tells of an adopted order, as the row written for it (Pending; its report is applied next). */
export interface AdoptableOrder {
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: NewOrderRecord['side'];
  readonly orderType: string;
  readonly timeInForce: string;
  readonly qty: string;
  readonly price: string;
  readonly reduceOnly: boolean;
}

export function adoptedOrderRecord(report: AdoptableOrder, atMs: number, traceId: string | undefined): NewOrderRecord {
  const cause = 'adopted by reconciliation';
  return {
    clientOrderId: report.orderLinkId,
    symbol: report.symbol,
    side: report.side,
    orderType: report.orderType === 'Limit' ? 'Limit' : 'Market',
    timeInForce: TIME_IN_FORCE.find((t) => t === report.timeInForce) ?? 'GTC',
    quantity: report.qty,
    price: report.orderType === 'Limit' ? report.price : null,
    reduceOnly: report.reduceOnly,
    reason: cause,
    traceId: traceId ?? null,
    stateHistory: OrderStateMachine.create({ cause, atMs, traceId }).history,
  };
}

/** Fills older than the newest recorded one are asked for again with this margin (clock skew, same-ms fills). */
export const EXECUTION_OVERLAP_MS = 5 * 60_000;
/** With no fill recorded yet, how far back to ask. */
export const FIRST_RUN_LOOKBACK_MS = 24 * 60 * 60_000;

/** From when to ask the exchange for executions of a symbol, given the newest one recorded (epoch ms). */
export function executionsSinceMs(lastRecordedMs: number | null, nowMs: number): number {
  return lastRecordedMs !== null ? lastRecordedMs - EXECUTION_OVERLAP_MS : nowMs - FIRST_RUN_LOOKBACK_MS;
}

/** Oldest first (then by sequence), so running averages build in the order the fills happened. */
export function inExecutionOrder<X extends { readonly execTime: number; readonly seq: number }>(
  executions: readonly X[],
): X[] {
  return [...executions].sort((a, b) => a.execTime - b.execTime || a.seq - b.seq);
}

/**
 * The exchange's status is not ours. A status this code does not know counts as diverged: applying the report
 * then fails loudly (as a live push would), rather than the matching hiding it.
 */
function statusDiverged(recorded: OrderStatus, report: ReportedOrder): boolean {
  try {
    return orderStatusFromExchange(report.status, report.cumExecQty) !== recorded;
  } catch {
    return true;
  }
}

/** The exchange's cumulative filled size is above ours ("" and non-decimals count as nothing filled). */
function filledMore(exchangeCumExecQty: string, recordedFilled: string): boolean {
  const exchange = parseRational(exchangeCumExecQty);
  if (!exchange || exchange.num <= 0n) return false;
  const recorded = parseRational(recordedFilled);
  return !recorded || compare(exchange, recorded) > 0;
}
