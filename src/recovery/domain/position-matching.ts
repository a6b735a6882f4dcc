import { isPositiveDecimal } from '../../common/money';
import { fromUnits, toUnits } from '../../common/ticks';
import type { NewPositionRecord } from '../../execution/domain/execution-store';
import type { PositionStatus } from '../../execution/domain/order-vocabulary';
import { PositionStateMachine } from '../../execution/domain/position.fsm';
import { exitPrices } from '../../risk/domain/order-sizing';

/**
 * Reconciliation's matching of the positions the database holds open against those the exchange holds, per
 * symbol (one-way mode: at most one exchange position per symbol). Pure: it says what to repair; the service
 * repairs it through the state machines.
 */

export interface HeldPosition {
  readonly symbol: string;
  /** '' when flat. */
  readonly side: string;
  readonly size: string;
  readonly leverage: string;
}

export interface RecordedPosition {
  readonly id: string;
  readonly symbol: string;
  readonly side: string;
}

export type PositionRepair<R extends RecordedPosition, H extends HeldPosition> =
  /** Same symbol and side on both sides: bring size and price to the exchange's. */
  | { readonly kind: 'align'; readonly position: R; readonly held: H }
  /** Recorded open, but the exchange holds nothing (or the other side, or it already matched another row). */
  | { readonly kind: 'close-flat'; readonly position: R }
  /** Held on the exchange with no recorded position to match it. */
  | { readonly kind: 'adopt'; readonly held: H };

export interface PositionMatch<R extends RecordedPosition, H extends HeldPosition> {
  readonly repairs: readonly PositionRepair<R, H>[];
  /** Symbols looked at (held, recorded, or both). */
  readonly checked: number;
  /** The lowest leverage of the account's positions on our symbols (≥ 1), when any is reported. */
  readonly leverage: number | undefined;
}

/**
 * `recorded` in the order the database returned them (the first row of a side wins the match). A position with an
 * order still working (`withActiveOrder`) is in motion: its next pushes settle it, so it is neither aligned nor
 * closed here, but it does count as matching the exchange's position of its side (nothing to adopt).
 */
export function matchPositions<R extends RecordedPosition, H extends HeldPosition>(
  held: readonly H[],
  recorded: readonly R[],
  withActiveOrder: ReadonlySet<string | null>,
  symbols: readonly string[],
): PositionMatch<R, H> {
  const exchange = new Map<string, H>();
  let leverage: number | undefined;
  for (const position of held) {
    if (!symbols.includes(position.symbol)) continue;
    const lev = Number(position.leverage);
    if (lev >= 1) leverage = leverage === undefined ? lev : Math.min(leverage, lev);
    if (position.side !== '' && isPositiveDecimal(position.size)) exchange.set(position.symbol, position);
  }
  const database = new Map<string, R[]>();
  for (const position of recorded) database.set(position.symbol, [...(database.get(position.symbol) ?? []), position]);

  const repairs: PositionRepair<R, H>[] = [];
  const bySymbol = new Set([...exchange.keys(), ...database.keys()]);
  for (const symbol of bySymbol) {
    const onExchange = exchange.get(symbol);
    let matched = false;
    for (const position of database.get(symbol) ?? []) {
      if (withActiveOrder.has(position.id)) {
        matched = matched || (onExchange !== undefined && onExchange.side === position.side);
        continue;
      }
      if (onExchange && onExchange.side === position.side && !matched) {
        matched = true;
        repairs.push({ kind: 'align', position, held: onExchange });
      } else {
        repairs.push({ kind: 'close-flat', position });
      }
    }
    if (onExchange && !matched) repairs.push({ kind: 'adopt', held: onExchange });
  }
  return { repairs, checked: bySymbol.size, leverage };
}

/** Nothing to align: the recorded position is Open at the exchange's size (compared on the qty step when known). */
export function isAligned(
  recorded: { readonly quantity: string; readonly status: PositionStatus },
  held: { readonly size: string },
  qtyStep: string | undefined,
): boolean {
  const same = qtyStep
    ? toUnits(recorded.quantity, qtyStep, 'nearest') === toUnits(held.size, qtyStep, 'nearest')
    : recorded.quantity === held.size;
  return same && recorded.status === 'Open';
}

/** The exchange's size as an aligned position records it: on the instrument's qty step when known. */
export function alignedQuantity(held: { readonly size: string }, qtyStep: string | undefined): string {
  return qtyStep ? fromUnits(toUnits(held.size, qtyStep, 'nearest'), qtyStep) : held.size;
}

/** The exchange's entry price when it reports one, else the recorded one. */
export function alignedEntryPrice(held: { readonly entryPrice: string }, recorded: string | null): string | null {
  return isPositiveDecimal(held.entryPrice) ? held.entryPrice : recorded;
}

export interface AdoptablePosition {
  readonly symbol: string;
  readonly side: string;
  readonly entryPrice: string;
}

/**
 * The row written for a position only the exchange knew: empty and Opening (the adoption then opens it at the
 * exchange's size), with take-profit and stop-loss from the configured percentages around the exchange's entry
 * price on the tick grid (none when the price or the instrument is unknown).
 */
export function adoptedPositionRecord(
  held: AdoptablePosition,
  tickSize: string | undefined,
  exitPct: { readonly takeProfitPct: number; readonly stopLossPct: number },
  atMs: number,
  traceId: string | undefined,
): NewPositionRecord {
  const side = held.side === 'Sell' ? 'Sell' : 'Buy';
  const entryOnGrid =
    tickSize && isPositiveDecimal(held.entryPrice)
      ? fromUnits(toUnits(held.entryPrice, tickSize, 'nearest'), tickSize)
      : null;
  const exits =
    entryOnGrid && tickSize
      ? exitPrices(side, entryOnGrid, tickSize, exitPct.takeProfitPct, exitPct.stopLossPct)
      : undefined;
  const cause = 'adopted by reconciliation';
  return {
    symbol: held.symbol,
    side,
    takeProfit: exits?.takeProfit ?? null,
    stopLoss: exits?.stopLoss ?? null,
    entryReason: cause,
    traceId: traceId ?? null,
    stateHistory: PositionStateMachine.create({ cause, atMs, traceId }).history,
  };
}
