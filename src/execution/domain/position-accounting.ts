import { fromUnits, toUnits } from '../../common/ticks';

/**
 * Position bookkeeping from executions (fills), one-way mode: fills on the position's side grow it (average
 * entry price), fills on the other side reduce it and realise PnL against the average entry. Quantities are
 * counted exactly in qty steps; money is rounded to 8 decimals (USDT's precision at Bybit) only when written.
 */

export type Side = 'Buy' | 'Sell';

export interface PositionFigures {
  readonly side: Side;
  /** Open size, decimal string on the qty grid ("0" before the first fill and after the last exit). */
  readonly quantity: string;
  /** Average entry price; null before the first entry fill. */
  readonly entryPrice: string | null;
  /** Average exit price over all reducing fills; null before the first. */
  readonly exitPrice: string | null;
  /** Size closed so far, on the qty grid. */
  readonly exitedQuantity: string;
  /** Realised PnL so far, fees NOT deducted (Bybit's closedPnl deducts them; `netRealised` does the same). */
  readonly grossRealisedPnl: string;
  /** Fees paid so far (entry and exit); negative when rebates dominate. */
  readonly fees: string;
}

export interface Fill {
  readonly side: Side;
  readonly price: string;
  readonly quantity: string;
  readonly fee: string;
}

export interface FillResult {
  readonly figures: PositionFigures;
  /** The part of the fill that grew the position (in the position's direction). */
  readonly openedQuantity: string;
  /** The part that reduced it. */
  readonly closedQuantity: string;
  /** Gross PnL realised by this fill. */
  readonly realisedPnl: number;
  /** True when this fill brought the position to zero. */
  readonly flat: boolean;
  /** Size the fill had beyond the open position (a reduce larger than the position); never applied. */
  readonly excessQuantity: string;
}

export function emptyPosition(side: Side): PositionFigures {
  return {
    side,
    quantity: '0',
    entryPrice: null,
    exitPrice: null,
    exitedQuantity: '0',
    grossRealisedPnl: '0',
    fees: '0',
  };
}

const MONEY_DECIMALS = 8;

export function money(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`money: not a finite number (${value})`);
  const fixed = value.toFixed(MONEY_DECIMALS);
  // -0.00000000 → 0
  return /^-0\.0+$/.test(fixed) ? '0' : trimZeros(fixed);
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** Applies one execution to the position; pure, returns new figures. */
export function applyFill(position: PositionFigures, fill: Fill, qtyStep: string): FillResult {
  const open = toUnits(position.quantity, qtyStep);
  const fillUnits = toUnits(fill.quantity, qtyStep, 'nearest');
  const fee = Number(fill.fee || '0');
  const price = Number(fill.price);
  if (!(price > 0) || fillUnits <= 0) throw new RangeError(`applyFill: bad fill ${fill.quantity} @ ${fill.price}`);
  const fees = money(Number(position.fees) + fee);

  if (fill.side === position.side) {
    const total = open + fillUnits;
    const previousValue = position.entryPrice === null ? 0 : Number(position.entryPrice) * open;
    const entry = (previousValue + price * fillUnits) / total;
    return {
      figures: { ...position, quantity: fromUnits(total, qtyStep), entryPrice: priceText(entry), fees },
      openedQuantity: fromUnits(fillUnits, qtyStep),
      closedQuantity: '0',
      realisedPnl: 0,
      flat: false,
      excessQuantity: '0',
    };
  }

  const closing = Math.min(open, fillUnits);
  const excess = fillUnits - closing;
  const entry = position.entryPrice === null ? price : Number(position.entryPrice);
  const direction = position.side === 'Buy' ? 1 : -1;
  // PnL per unit of qty step: (exit − entry) × direction × step.
  const step = Number(qtyStep);
  const realised = (price - entry) * direction * closing * step;
  const exited = toUnits(position.exitedQuantity, qtyStep);
  const previousExitValue = position.exitPrice === null ? 0 : Number(position.exitPrice) * exited;
  const exitPrice =
    closing > 0 ? priceText((previousExitValue + price * closing) / (exited + closing)) : position.exitPrice;
  const remaining = open - closing;
  return {
    figures: {
      ...position,
      quantity: fromUnits(remaining, qtyStep),
      exitPrice,
      exitedQuantity: fromUnits(exited + closing, qtyStep),
      grossRealisedPnl: money(Number(position.grossRealisedPnl) + realised),
      fees,
    },
    openedQuantity: '0',
    closedQuantity: fromUnits(closing, qtyStep),
    realisedPnl: realised,
    flat: remaining === 0,
    excessQuantity: fromUnits(excess, qtyStep),
  };
}

/** Realised PnL net of fees, as stored in positions.realized_pnl. */
export function netRealised(figures: PositionFigures): string {
  return money(Number(figures.grossRealisedPnl) - Number(figures.fees));
}

/** Unrealised PnL of the open size at `markPrice`. */
export function unrealisedPnl(figures: PositionFigures, markPrice: number): number {
  if (figures.entryPrice === null || !(markPrice > 0)) return 0;
  const direction = figures.side === 'Buy' ? 1 : -1;
  return (markPrice - Number(figures.entryPrice)) * direction * Number(figures.quantity);
}

/** Average prices keep 10 significant decimals: enough for any tick, and stable in NUMERIC. */
export function priceText(value: number): string {
  return trimZeros(value.toFixed(10));
}
