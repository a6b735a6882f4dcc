import { toUnits } from '../../common/ticks';
import type { PositionRecord } from './execution-store';
import type { LivePosition } from './live-positions';

/**
 * The hot-path form of a live position row: numbers for exposure, TP/SL in ticks for exact comparisons with the
 * book. Without a known tick size the thresholds are off (no exit can trigger on a guessed grid); time exits
 * still work.
 */
export function livePositionOf(
  position: Pick<
    PositionRecord,
    'id' | 'symbol' | 'side' | 'status' | 'quantity' | 'entryPrice' | 'takeProfit' | 'stopLoss' | 'openedAt'
  >,
  tickSize: string | undefined,
): LivePosition {
  if (position.status === 'Closed') throw new RangeError(`position ${position.id} is closed`);
  return {
    id: position.id,
    symbol: position.symbol,
    side: position.side,
    status: position.status,
    quantity: Number(position.quantity),
    entryPrice: position.entryPrice === null ? null : Number(position.entryPrice),
    takeProfitTicks: ticksOf(position.takeProfit, tickSize),
    stopLossTicks: ticksOf(position.stopLoss, tickSize),
    openedAtMs: position.openedAt === null ? null : position.openedAt.getTime(),
    nextExitAtMs: 0,
    failedExits: 0,
    exitOutcomeUnknown: false,
  };
}

function ticksOf(price: string | null, tickSize: string | undefined): number | null {
  if (price === null || tickSize === undefined) return null;
  return toUnits(price, tickSize, 'nearest');
}
