import type { ExecutionFill, OrderFillRecord, PositionFillChanges, PositionFillRecord } from './fill-ledger';
import type { JsonObject, OrderStatus, OrderType, StateTransitionRecord, TimeInForce } from './order-vocabulary';

/**
 * The execution kernel's port to its order/position store. Two adapters keep the same semantics:
 * TypeOrmExecutionStore (PostgreSQL, live trading) and InMemoryExecutionStore (backtests, tests).
 *
 * - Write-ahead: an entry's Opening position and Pending order are recorded together, before the send; an exit's
 *   Pending order likewise. A second write of the same orderLinkId is refused (DuplicateClientOrderIdError) and
 *   records nothing, so a replayed signal can never produce a second order.
 * - Optimistic versions: every record starts at version 1; an update names the version it read and fails with
 *   StaleVersionError when another writer moved it (re-read and re-apply, see retryOnConflict).
 * - A fill (an execution) is applied once per execId, to the trade log, its order and its position together, or
 *   not at all; the accounting itself is the pure fill ledger (fill-ledger.ts), the same in both adapters.
 */
export interface ExecutionStore {
  /**
   * False when the store drops a position's signal, market and indicator context (the backtest's in-memory store):
   * the entry executor then does not build the indicator record (~110 values per entry) for it. Absent: kept.
   */
  readonly keepsContext?: boolean;
  writeAheadEntry(position: NewPositionRecord, order: NewOrderRecord): Promise<WrittenEntry>;
  writeAheadOrder(order: NewOrderRecord & { readonly positionId: string | null }): Promise<OrderRecord>;
  orderById(id: string): Promise<OrderRecord | null>;
  orderByClientOrderId(clientOrderId: string): Promise<OrderRecord | null>;
  positionById(id: string): Promise<PositionRecord | null>;
  updateOrder(id: string, expectedVersion: number, changes: OrderRecordChanges): Promise<OrderRecord>;
  updatePosition(id: string, expectedVersion: number, changes: PositionRecordChanges): Promise<PositionRecord>;
  /**
   * Applies one execution of `orderId`; undefined when that execId was applied before or the order is unknown.
   * `qtyStepOf` gives the instrument's qty step; `onTradeRecorded` runs once the trade row is in, before the
   * order and position are (the crash-recovery suite kills the process there).
   */
  applyExecution(
    orderId: string,
    fill: TradeFill,
    qtyStepOf: (order: OrderRecord) => string,
    onTradeRecorded?: () => void,
  ): Promise<FillApplied | undefined>;
  /**
   * An exit's write-ahead: the position's changes (its move to Closing, the exit attempt) at `expectedVersion` and
   * the exit's Pending order, together or not at all (StaleVersionError / DuplicateClientOrderIdError).
   */
  writeAheadExit(
    positionId: string,
    expectedVersion: number,
    changes: PositionRecordChanges,
    order: NewOrderRecord,
  ): Promise<WrittenExit>;
  /** Positions of these symbols that carry exposure (Opening, Open, Closing), oldest first. */
  livePositions(symbols: readonly string[]): Promise<PositionRecord[]>;
  /** Up to 50 active orders of these symbols not updated since `updatedBeforeMs`, least recently updated first. */
  quietActiveOrders(updatedBeforeMs: number, symbols: readonly string[]): Promise<OrderRecord[]>;
}

export interface OrderRecord extends OrderFillRecord {
  readonly id: string;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  readonly symbol: string;
  readonly orderType: OrderType;
  readonly status: OrderStatus;
  readonly timeInForce: TimeInForce;
  readonly price: string | null;
  readonly positionId: string | null;
  readonly stateHistory: StateTransitionRecord[];
  readonly traceId: string | null;
  readonly errorMessage: string | null;
  readonly reason: string | null;
  readonly placedAt: Date | null;
  readonly version: number;
}

export interface PositionRecord extends PositionFillRecord {
  readonly id: string;
  readonly symbol: string;
  readonly takeProfit: string | null;
  readonly stopLoss: string | null;
  readonly exitAttempts: number;
  readonly unrealizedPnl: string;
  readonly entryReason: string | null;
  readonly openedAt: Date | null;
  readonly closedAt: Date | null;
  /** The entry's context, and the exit's (set when the exit is written ahead). */
  readonly signalData: JsonObject | null;
  readonly entryMarketData: JsonObject | null;
  readonly entryIndicators: JsonObject | null;
  readonly exitSignalData: JsonObject | null;
  readonly exitMarketData: JsonObject | null;
  readonly exitIndicators: JsonObject | null;
  readonly version: number;
}

export interface NewOrderRecord {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderFillRecord['side'];
  readonly orderType: OrderType;
  readonly timeInForce?: TimeInForce;
  readonly quantity: string;
  readonly price?: string | null;
  readonly reduceOnly?: boolean;
  readonly reason?: string | null;
  readonly traceId?: string | null;
  readonly stateHistory?: readonly StateTransitionRecord[];
  /** Context kept with the order (an entry's stays on its position instead). */
  readonly signalData?: JsonObject | null;
  readonly marketData?: JsonObject | null;
  readonly indicators?: JsonObject | null;
}

export interface NewPositionRecord {
  readonly symbol: string;
  readonly side: OrderFillRecord['side'];
  readonly takeProfit?: string | null;
  readonly stopLoss?: string | null;
  readonly entryReason?: string | null;
  readonly traceId?: string | null;
  readonly stateHistory?: readonly StateTransitionRecord[];
  /** The signal, market and indicator context of the entry, stored once, on the position. */
  readonly signalData?: JsonObject | null;
  readonly entryMarketData?: JsonObject | null;
  readonly entryIndicators?: JsonObject | null;
}

export interface WrittenExit {
  readonly position: PositionRecord;
  readonly order: OrderRecord;
}

export interface WrittenEntry {
  readonly order: OrderRecord;
  readonly positionId: string;
}

export type OrderRecordChanges = Partial<
  Pick<
    OrderRecord,
    'status' | 'exchangeOrderId' | 'filledQuantity' | 'avgFillPrice' | 'fee' | 'stateHistory' | 'errorMessage'
  > & {
    readonly placedAt: Date;
    readonly filledAt: Date;
    readonly cancelledAt: Date;
  }
>;

export type PositionRecordChanges = Partial<
  Omit<PositionFillChanges, 'openedAtMs' | 'closedAtMs' | 'exitReason'> &
    Pick<
      PositionRecord,
      'takeProfit' | 'stopLoss' | 'exitAttempts' | 'exitReason' | 'exitSignalData' | 'exitMarketData' | 'exitIndicators'
    > & {
      readonly openedAtMs: number;
      readonly closedAtMs: number;
    }
>;

export interface TradeFill extends ExecutionFill {
  readonly feeCurrency: string | null;
  readonly isMaker: boolean;
}

export interface FillApplied {
  readonly order: OrderRecord;
  /** The position as read before the fill; undefined when the order has none or it was already Closed. */
  readonly before?: PositionRecord;
  readonly position?: PositionRecord;
  /** Size beyond the open position (a reduce larger than it); never applied. */
  readonly excessQuantity: string;
}
