import type { Side } from './position-accounting';

/** Why a position is closed; stored as positions.exit_reason. */
export const EXIT_REASONS = ['TAKE_PROFIT', 'STOP_LOSS', 'MAX_HOLD_TIME', 'OPPOSITE_SIGNAL', 'KILL_SWITCH', 'MANUAL', 'RECONCILED_FLAT', 'EXCHANGE_CLOSED'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

export interface ExitWatch {
  readonly side: Side;
  /** Prices as numbers for the comparison only; the thresholds are already on the tick grid. */
  readonly takeProfit: number | null;
  readonly stopLoss: number | null;
  /** When the position opened (first entry fill). */
  readonly openedAtMs: number;
}

/**
 * The exit a position needs now, or null. A long exits at the bid and a short at the ask (the price a
 * market exit would get), so TP/SL trigger on an executable price, not on the mid. Thresholds are compared
 * with ≥ / ≤ against tick-grid values, never with float equality. The stop-loss wins over the take-profit
 * when both are somehow crossed (a gap through both), and both win over the time limit.
 */
export function exitReasonFor(watch: ExitWatch, bestBid: number, bestAsk: number, nowMs: number, maxHoldMs: number): ExitReason | null {
  const exitPrice = watch.side === 'Buy' ? bestBid : bestAsk;
  if (Number.isFinite(exitPrice) && exitPrice > 0) {
    if (watch.stopLoss !== null && (watch.side === 'Buy' ? exitPrice <= watch.stopLoss : exitPrice >= watch.stopLoss)) return 'STOP_LOSS';
    if (watch.takeProfit !== null && (watch.side === 'Buy' ? exitPrice >= watch.takeProfit : exitPrice <= watch.takeProfit)) return 'TAKE_PROFIT';
  }
  if (maxHoldMs > 0 && nowMs - watch.openedAtMs >= maxHoldMs) return 'MAX_HOLD_TIME';
  return null;
}

/** The side of the order that closes a position. */
export function closingSide(side: Side): Side {
  return side === 'Buy' ? 'Sell' : 'Buy';
}
