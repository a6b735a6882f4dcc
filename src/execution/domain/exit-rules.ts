import type { Side } from './position-accounting';

/** Why a position is closed; stored as positions.exit_reason. */
export const EXIT_REASONS = [
  'TAKE_PROFIT',
  'STOP_LOSS',
  'MAX_HOLD_TIME',
  'OPPOSITE_SIGNAL',
  'KILL_SWITCH',
  'MANUAL',
  'RECONCILED_FLAT',
  'EXCHANGE_CLOSED',
  'ENTRY_NOT_FILLED',
] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

/** What the exit rules read of a position. Prices are in ticks of the instrument, so comparisons are exact. */
export interface ExitWatch {
  readonly side: Side;
  readonly takeProfitTicks: number | null;
  readonly stopLossTicks: number | null;
  /** When the position opened (first entry fill); null while nothing has filled. */
  readonly openedAtMs: number | null;
}

/**
 * The exit a position needs now, or null. A long exits at the bid and a short at the ask (the price a market
 * exit would get), so TP/SL trigger on an executable price, not on the mid. Everything is in integer ticks: no
 * float equality. The stop-loss wins over the take-profit when both are crossed (a gap through both), and both
 * win over the time limit. An empty side of the book (NaN) triggers no price exit.
 */
export function exitReasonFor(
  watch: ExitWatch,
  bestBidTicks: number,
  bestAskTicks: number,
  nowMs: number,
  maxHoldMs: number,
): ExitReason | null {
  const exitTicks = watch.side === 'Buy' ? bestBidTicks : bestAskTicks;
  if (exitTicks > 0) {
    const sl = watch.stopLossTicks;
    const tp = watch.takeProfitTicks;
    if (sl !== null && (watch.side === 'Buy' ? exitTicks <= sl : exitTicks >= sl)) return 'STOP_LOSS';
    if (tp !== null && (watch.side === 'Buy' ? exitTicks >= tp : exitTicks <= tp)) return 'TAKE_PROFIT';
  }
  if (maxHoldMs > 0 && watch.openedAtMs !== null && nowMs - watch.openedAtMs >= maxHoldMs) return 'MAX_HOLD_TIME';
  return null;
}

/** The side of the order that closes a position. */
export function closingSide(side: Side): Side {
  return side === 'Buy' ? 'Sell' : 'Buy';
}
