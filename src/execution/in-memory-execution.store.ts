import { FixedClock, type Clock } from '../common/clock';
import { fillOrder, fillPosition } from './domain/fill-ledger';
import type {
  ExecutionStore,
  FillApplied,
  NewOrderRecord,
  NewPositionRecord,
  OrderRecord,
  OrderRecordChanges,
  PositionRecord,
  PositionRecordChanges,
  TradeFill,
  WrittenEntry,
  WrittenExit,
} from './domain/execution-store';
import { ACTIVE_ORDER_STATUSES, LIVE_POSITION_STATUSES } from './domain/order-vocabulary';
import {
  assertClientOrderId,
  DuplicateClientOrderIdError,
  ExecutionError,
  StaleVersionError,
} from './execution.errors';

export interface InMemoryExecutionStoreOptions {
  /**
   * Keep each position's signal, market and indicator context (default true, as the database does). A backtest
   * turns it off: its report never reads them, and thousands of positions each holding ~110 feature values made
   * the old generation grow (and be marked) for nothing. Stored as null instead.
   */
  readonly keepsContext?: boolean;
}

/**
 * The execution store in process memory, for backtests and tests: the same write-ahead, uniqueness and version
 * rules as the PostgreSQL adapter, each call atomic because it completes synchronously. Ids are a deterministic
 * sequence in UUID form, so a replayed backtest produces the same records.
 */
export class InMemoryExecutionStore implements ExecutionStore {
  readonly keepsContext: boolean;

  /**
   * `clock` stamps each order's last update (what quietActiveOrders selects on): the backtest's virtual clock, or
   * none (every order then counts as updated at 0). A clock object rather than a callback, so a worker's successive
   * backtests call one method (VirtualClock.nowMs) instead of a new closure each.
   */
  constructor(
    private readonly clock: Pick<Clock, 'nowMs'> = new FixedClock(0),
    options: InMemoryExecutionStoreOptions = {},
  ) {
    this.keepsContext = options.keepsContext ?? true;
  }

  private readonly orders = new Map<string, OrderRecord>();
  private readonly orderUpdatedAtMs = new Map<string, number>();
  private readonly orderIdsByLinkId = new Map<string, string>();
  /** Ids of the orders in an active status: the quiet-order poll reads these, not every order ever written. */
  private readonly activeOrderIds = new Set<string>();
  private readonly positions = new Map<string, PositionRecord>();
  private readonly execIds = new Set<string>();
  private sequence = 0;

  /** Every order and position, for assertions and backtest reports. */
  allOrders(): readonly OrderRecord[] {
    return [...this.orders.values()];
  }

  allPositions(): readonly PositionRecord[] {
    return [...this.positions.values()];
  }

  async writeAheadEntry(position: NewPositionRecord, order: NewOrderRecord): Promise<WrittenEntry> {
    this.assertNewLinkId(order.clientOrderId);
    const opening: PositionRecord = {
      id: this.nextId(),
      symbol: position.symbol,
      side: position.side,
      status: 'Opening',
      stateHistory: [...(position.stateHistory ?? [])],
      quantity: '0',
      entryPrice: null,
      exitPrice: null,
      exitedQuantity: '0',
      realizedPnl: '0',
      fees: '0',
      exitReason: null,
      traceId: position.traceId ?? null,
      takeProfit: position.takeProfit ?? null,
      stopLoss: position.stopLoss ?? null,
      exitAttempts: 0,
      unrealizedPnl: '0',
      entryReason: position.entryReason ?? null,
      openedAt: null,
      closedAt: null,
      signalData: (this.keepsContext && position.signalData) || null,
      entryMarketData: (this.keepsContext && position.entryMarketData) || null,
      entryIndicators: (this.keepsContext && position.entryIndicators) || null,
      exitSignalData: null,
      exitMarketData: null,
      exitIndicators: null,
      version: 1,
    };
    this.positions.set(opening.id, opening);
    const written = this.insertOrder({ ...order, positionId: opening.id });
    return { order: written, positionId: opening.id };
  }

  async writeAheadOrder(order: NewOrderRecord & { readonly positionId: string | null }): Promise<OrderRecord> {
    this.assertNewLinkId(order.clientOrderId);
    if (order.positionId !== null && !this.positions.has(order.positionId))
      throw new ExecutionError('POSITION_NOT_FOUND', `Position ${order.positionId} does not exist`, {
        id: order.positionId,
      });
    return this.insertOrder(order);
  }

  async orderById(id: string): Promise<OrderRecord | null> {
    return this.orders.get(id) ?? null;
  }

  async orderByClientOrderId(clientOrderId: string): Promise<OrderRecord | null> {
    const id = this.orderIdsByLinkId.get(clientOrderId);
    return id === undefined ? null : (this.orders.get(id) ?? null);
  }

  async positionById(id: string): Promise<PositionRecord | null> {
    return this.positions.get(id) ?? null;
  }

  async updateOrder(id: string, expectedVersion: number, changes: OrderRecordChanges): Promise<OrderRecord> {
    return this.updateOrderNow(id, expectedVersion, changes);
  }

  async updatePosition(id: string, expectedVersion: number, changes: PositionRecordChanges): Promise<PositionRecord> {
    return this.updatePositionNow(id, expectedVersion, changes);
  }

  async writeAheadExit(
    positionId: string,
    expectedVersion: number,
    changes: PositionRecordChanges,
    order: NewOrderRecord,
  ): Promise<WrittenExit> {
    this.assertNewLinkId(order.clientOrderId);
    const position = this.updatePositionNow(positionId, expectedVersion, changes);
    return { position, order: this.insertOrder({ ...order, positionId }) };
  }

  async livePositions(symbols: readonly string[]): Promise<PositionRecord[]> {
    const wanted = new Set(symbols);
    const live: readonly string[] = LIVE_POSITION_STATUSES;
    return [...this.positions.values()].filter((p) => wanted.has(p.symbol) && live.includes(p.status));
  }

  async quietActiveOrders(updatedBeforeMs: number, symbols: readonly string[]): Promise<OrderRecord[]> {
    const wanted = new Set(symbols);
    const quiet: OrderRecord[] = [];
    for (const id of this.activeOrderIds) {
      const o = this.orders.get(id)!;
      if (wanted.has(o.symbol) && (this.orderUpdatedAtMs.get(id) ?? 0) < updatedBeforeMs) quiet.push(o);
    }
    // Oldest update first, ties in the order the orders were written (ids are a zero-padded sequence).
    return quiet
      .sort(
        (a, b) =>
          (this.orderUpdatedAtMs.get(a.id) ?? 0) - (this.orderUpdatedAtMs.get(b.id) ?? 0) || compareIds(a.id, b.id),
      )
      .slice(0, 50);
  }

  async applyExecution(
    orderId: string,
    fill: TradeFill,
    qtyStepOf: (order: OrderRecord) => string,
    onTradeRecorded?: () => void,
  ): Promise<FillApplied | undefined> {
    const order = this.orders.get(orderId);
    if (!order || this.execIds.has(fill.execId)) return undefined;
    const qtyStep = qtyStepOf(order);
    // Compute everything before recording anything: a refused fill leaves the store as it was.
    const orderChanges = fillOrder(order, fill, qtyStep);
    const before = order.positionId === null ? undefined : this.positions.get(order.positionId);
    const live = before && before.status !== 'Closed' ? before : undefined;
    const positionFill = live ? fillPosition(live, order, fill, qtyStep) : undefined;
    this.execIds.add(fill.execId);
    onTradeRecorded?.();
    const updatedOrder = this.updateOrderNow(order.id, order.version, orderChanges);
    if (!live || !positionFill) return { order: updatedOrder, excessQuantity: '0' };
    const position = this.updatePositionNow(live.id, live.version, positionFill.changes);
    return {
      order: updatedOrder,
      before: live,
      position,
      excessQuantity: positionFill.excessQuantity,
    };
  }

  private insertOrder(order: NewOrderRecord & { readonly positionId: string | null }): OrderRecord {
    const record: OrderRecord = {
      id: this.nextId(),
      clientOrderId: order.clientOrderId,
      exchangeOrderId: null,
      symbol: order.symbol,
      side: order.side,
      orderType: order.orderType,
      status: 'Pending',
      timeInForce: order.timeInForce ?? 'GTC',
      quantity: order.quantity,
      price: order.price ?? null,
      filledQuantity: '0',
      avgFillPrice: null,
      fee: '0',
      reduceOnly: order.reduceOnly ?? false,
      positionId: order.positionId,
      stateHistory: [...(order.stateHistory ?? [])],
      traceId: order.traceId ?? null,
      errorMessage: null,
      reason: order.reason ?? null,
      placedAt: null,
      version: 1,
    };
    this.orders.set(record.id, record);
    this.orderUpdatedAtMs.set(record.id, this.clock.nowMs());
    this.trackActive(record);
    this.orderIdsByLinkId.set(record.clientOrderId, record.id);
    return record;
  }

  private updateOrderNow(id: string, expectedVersion: number, changes: OrderRecordChanges): OrderRecord {
    const current = this.orders.get(id);
    if (!current) throw new ExecutionError('ORDER_NOT_FOUND', `Order ${id} does not exist`, { id });
    if (current.version !== expectedVersion) throw new StaleVersionError('order', id, expectedVersion);
    const { filledAt: _filled, cancelledAt: _cancelled, ...figures } = changes;
    const updated: OrderRecord = { ...current, ...figures, version: current.version + 1 };
    this.orders.set(id, updated);
    this.orderUpdatedAtMs.set(id, this.clock.nowMs());
    this.trackActive(updated);
    return updated;
  }

  private trackActive(order: OrderRecord): void {
    if ((ACTIVE_ORDER_STATUSES as readonly string[]).includes(order.status)) this.activeOrderIds.add(order.id);
    else this.activeOrderIds.delete(order.id);
  }

  private updatePositionNow(id: string, expectedVersion: number, changes: PositionRecordChanges): PositionRecord {
    const current = this.positions.get(id);
    if (!current) throw new ExecutionError('POSITION_NOT_FOUND', `Position ${id} does not exist`, { id });
    if (current.version !== expectedVersion) throw new StaleVersionError('position', id, expectedVersion);
    const { openedAtMs, closedAtMs, ...figures } = changes;
    const updated: PositionRecord = {
      ...current,
      ...figures,
      ...(this.keepsContext ? {} : WITHOUT_EXIT_CONTEXT),
      ...(openedAtMs === undefined ? {} : { openedAt: new Date(openedAtMs) }),
      ...(closedAtMs === undefined ? {} : { closedAt: new Date(closedAtMs) }),
      version: current.version + 1,
    };
    this.positions.set(id, updated);
    return updated;
  }

  private assertNewLinkId(clientOrderId: string): void {
    assertClientOrderId(clientOrderId);
    if (this.orderIdsByLinkId.has(clientOrderId)) throw new DuplicateClientOrderIdError(clientOrderId);
  }

  private nextId(): string {
    this.sequence += 1;
    return `00000000-0000-4000-8000-${String(this.sequence).padStart(12, '0')}`;
  }
}

const WITHOUT_EXIT_CONTEXT = { exitSignalData: null, exitMarketData: null, exitIndicators: null } as const;

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
