import { averagePriceText, decimal, sumMoney } from '../../common/money';
import { fromUnits, toUnits } from '../../common/ticks';
import type { OrderSide, PositionStatus, StateTransitionRecord } from './order-vocabulary';
import { PositionStateMachine } from './position.fsm';
import { applyFill, grossRealised, netRealised, PositionFigures, weightedAverage } from './position-accounting';
import type { TransitionCause } from './state-machine';

/**
 * One execution (fill) applied to its order and to the order's position, in one place: the order's filled size,
 * average fill price and fees, and the position's figures and state machine. Pure: the caller loads the two
 * records, applies the result with their versions (one transaction live, one step in a backtest) and publishes.
 * Money is exact (common/money.ts) and rounded once, when written.
 */

/** The part of an order a fill changes, plus what it needs to know. Order rows satisfy it as they are. */
export interface OrderFillRecord {
  readonly side: OrderSide;
  readonly quantity: string;
  readonly filledQuantity: string;
  readonly avgFillPrice: string | null;
  readonly fee: string;
  readonly reduceOnly: boolean;
}

/** The part of a position a fill changes. realizedPnl is stored net of fees. Position rows satisfy it. */
export interface PositionFillRecord {
  readonly side: OrderSide;
  readonly status: PositionStatus;
  readonly stateHistory: readonly StateTransitionRecord[];
  readonly quantity: string;
  readonly entryPrice: string | null;
  readonly exitPrice: string | null;
  readonly exitedQuantity: string;
  readonly realizedPnl: string;
  readonly fees: string;
  readonly exitReason: string | null;
  readonly traceId: string | null;
}

export interface ExecutionFill {
  readonly execId: string;
  readonly price: string;
  readonly quantity: string;
  /** "" counts as 0 (Bybit sends empty fees). */
  readonly fee: string;
  /** When the exchange executed it (epoch ms). */
  readonly atMs: number;
}

export interface OrderFillChanges {
  readonly filledQuantity: string;
  readonly avgFillPrice: string;
  readonly fee: string;
}

export interface PositionFillChanges {
  quantity: string;
  entryPrice: string | null;
  exitPrice: string | null;
  exitedQuantity: string;
  realizedPnl: string;
  fees: string;
  status: PositionStatus;
  stateHistory: StateTransitionRecord[];
  openedAtMs?: number;
  closedAtMs?: number;
  unrealizedPnl?: string;
  exitReason?: string;
}

export interface PositionFillOutcome {
  readonly changes: PositionFillChanges;
  /** Size the fill had beyond the open position (a reduce larger than the position); never applied. */
  readonly excessQuantity: string;
}

/** The order's filled size (capped at its quantity), average fill price and fees after one more fill. */
export function fillOrder(order: OrderFillRecord, fill: ExecutionFill, qtyStep: string): OrderFillChanges {
  const filledBefore = toUnits(order.filledQuantity, qtyStep, 'nearest');
  const fillUnits = toUnits(fill.quantity, qtyStep, 'nearest');
  const totalUnits = Math.min(filledBefore + fillUnits, toUnits(order.quantity, qtyStep, 'nearest'));
  const price = decimal(fill.price);
  const avg =
    order.avgFillPrice === null ? price : weightedAverage(decimal(order.avgFillPrice), filledBefore, price, fillUnits);
  return {
    filledQuantity: fromUnits(totalUnits, qtyStep),
    avgFillPrice: averagePriceText(avg),
    fee: sumMoney(order.fee, fill.fee),
  };
}

/**
 * The position's figures and status after a fill of `order`. Opening → Open on the first entry fill; to zero →
 * Closed, through Closing when it was Open, so the history names the exit (EXCHANGE_CLOSED unless a reason was
 * already recorded); Open → Open when only the size changed.
 */
export function fillPosition(
  position: PositionFillRecord,
  order: Pick<OrderFillRecord, 'side' | 'reduceOnly'>,
  fill: ExecutionFill,
  qtyStep: string,
): PositionFillOutcome {
  const result = applyFill(
    figuresOfPosition(position),
    { side: order.side, price: fill.price, quantity: fill.quantity, fee: fill.fee },
    qtyStep,
  );
  const at = fill.atMs;
  const machine = PositionStateMachine.restore(position.status, position.stateHistory);
  const cause = (text: string): TransitionCause => ({ cause: text, atMs: at, traceId: position.traceId ?? undefined });
  const changes: PositionFillChanges = {
    quantity: result.figures.quantity,
    entryPrice: result.figures.entryPrice,
    exitPrice: result.figures.exitPrice,
    exitedQuantity: result.figures.exitedQuantity,
    realizedPnl: netRealised(result.figures),
    fees: result.figures.fees,
    status: machine.status,
    stateHistory: [],
  };
  if (result.flat) {
    // A position closed by the exchange on its own (or by a fill arriving after its exit was cancelled) still
    // passes through Closing, so its history names the exit.
    if (machine.status === 'Open')
      machine.transition('Closing', cause(`reduced to zero by ${order.reduceOnly ? 'exit' : 'opposite'} fill`));
    machine.transition('Closed', cause(`closed by fill ${fill.execId}`));
    changes.closedAtMs = at;
    changes.unrealizedPnl = '0';
    if (position.exitReason === null) changes.exitReason = 'EXCHANGE_CLOSED';
  } else if (machine.status === 'Opening') {
    machine.transition('Open', cause(`entry filled ${fill.quantity} @ ${fill.price}`));
    changes.openedAtMs = at;
  } else if (machine.status === 'Open') {
    machine.transition('Open', cause(`size changed by fill ${fill.execId}`));
  }
  changes.status = machine.status;
  changes.stateHistory = [...machine.history];
  return { changes, excessQuantity: result.excessQuantity };
}

/** The accounting figures of a stored position (realized_pnl is stored net of fees; the accounting works on gross). */
export function figuresOfPosition(position: PositionFillRecord): PositionFigures {
  return {
    side: position.side,
    quantity: position.quantity,
    entryPrice: position.entryPrice,
    exitPrice: position.exitPrice,
    exitedQuantity: position.exitedQuantity,
    grossRealisedPnl: grossRealised(position.realizedPnl, position.fees),
    fees: position.fees,
  };
}
