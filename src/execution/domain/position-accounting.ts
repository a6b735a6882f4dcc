import {
  add,
  averagePriceText,
  decimal,
  divide,
  moneyText,
  multiply,
  parseRational,
  Rational,
  subtract,
  sumMoney,
} from '../../common/money';
import { fromUnits, toUnits } from '../../common/ticks';

/**
 * Position bookkeeping from executions (fills), one-way mode: fills on the position's side grow it (average
 * entry price), fills on the other side reduce it and realise PnL against the average entry. Quantities are
 * counted exactly in qty steps; prices and money are exact rationals (common/money.ts), rounded only when written.
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

/** Applies one execution to the position; pure, returns new figures. Money is exact and rounded once, when written. */
export function applyFill(position: PositionFigures, fill: Fill, qtyStep: string): FillResult {
  const open = toUnits(position.quantity, qtyStep);
  const fillUnits = toUnits(fill.quantity, qtyStep, 'nearest');
  const price = parseRational(fill.price);
  if (!price || price.num <= 0n || fillUnits <= 0)
    throw new RangeError(`applyFill: bad fill ${fill.quantity} @ ${fill.price}`);
  const fees = sumMoney(position.fees, fill.fee);

  if (fill.side === position.side) {
    const total = open + fillUnits;
    const entry =
      position.entryPrice === null ? price : weightedAverage(decimal(position.entryPrice), open, price, fillUnits);
    return {
      figures: { ...position, quantity: fromUnits(total, qtyStep), entryPrice: averagePriceText(entry), fees },
      openedQuantity: fromUnits(fillUnits, qtyStep),
      closedQuantity: '0',
      realisedPnl: 0,
      flat: false,
      excessQuantity: '0',
    };
  }

  const closing = Math.min(open, fillUnits);
  const excess = fillUnits - closing;
  const entry = position.entryPrice === null ? price : decimal(position.entryPrice);
  // (exit − entry) × direction × closed qty.
  const perUnit = position.side === 'Buy' ? subtract(price, entry) : subtract(entry, price);
  const realised = multiply(perUnit, multiply({ num: BigInt(closing), den: 1n }, decimal(qtyStep)));
  const exited = toUnits(position.exitedQuantity, qtyStep);
  const exitPrice =
    closing === 0
      ? position.exitPrice
      : averagePriceText(
          position.exitPrice === null ? price : weightedAverage(decimal(position.exitPrice), exited, price, closing),
        );
  const remaining = open - closing;
  return {
    figures: {
      ...position,
      quantity: fromUnits(remaining, qtyStep),
      exitPrice,
      exitedQuantity: fromUnits(exited + closing, qtyStep),
      grossRealisedPnl: moneyText(add(decimal(position.grossRealisedPnl), realised)),
      fees,
    },
    openedQuantity: '0',
    closedQuantity: fromUnits(closing, qtyStep),
    realisedPnl: Number(moneyText(realised)),
    flat: remaining === 0,
    excessQuantity: fromUnits(excess, qtyStep),
  };
}

/** (a × aUnits + b × bUnits) / (aUnits + bUnits), exactly: the quantity-weighted average of two prices. */
export function weightedAverage(a: Rational, aUnits: number, b: Rational, bUnits: number): Rational {
  const total = aUnits + bUnits;
  if (total <= 0) return b;
  const weighted = add(multiply(a, { num: BigInt(aUnits), den: 1n }), multiply(b, { num: BigInt(bUnits), den: 1n }));
  return divide(weighted, { num: BigInt(total), den: 1n });
}

/** Realised PnL net of fees, as stored in positions.realized_pnl. */
export function netRealised(figures: PositionFigures): string {
  return moneyText(subtract(decimal(figures.grossRealisedPnl), decimal(figures.fees)));
}

/** Gross realised PnL from the stored net figure (realized_pnl is stored net of fees; the accounting works on gross). */
export function grossRealised(netRealisedPnl: string, fees: string): string {
  return sumMoney(netRealisedPnl, fees);
}

/** Display only: unrealised PnL of the open size at a float `markPrice` from the book. */
export function unrealisedPnl(figures: PositionFigures, markPrice: number): number {
  if (figures.entryPrice === null || !(markPrice > 0)) return 0;
  const direction = figures.side === 'Buy' ? 1 : -1;
  return (markPrice - Number(figures.entryPrice)) * direction * Number(figures.quantity);
}
