import { DataSource } from 'typeorm';
import { FixedClock } from '../../../src/common/clock';
import type { ExchangeExecution } from '../../../src/exchange/exchange.types';
import { clientOrderIdFor } from '../../../src/idempotency/domain/client-order-id';
import type { OrderBook } from '../../../src/order-book/domain/order-book';
import { createExecutionKernel, type ExecutionKernel } from '../../../src/execution/domain/execution-kernel';
import type { ExecutionEventName } from '../../../src/execution/domain/execution-events';
import type { ExecutionStore, OrderRecord, PositionRecord } from '../../../src/execution/domain/execution-store';
import type { RiskPort } from '../../../src/execution/domain/kernel-ports';
import { TradingPermit } from '../../../src/execution/domain/trading-permit';
import { OrderEntity } from '../../../src/execution/entities/order.entity';
import { PositionEntity } from '../../../src/execution/entities/position.entity';
import { TradeEntity } from '../../../src/execution/entities/trade.entity';
import { ExecutionError } from '../../../src/execution/execution.errors';
import { InMemoryExecutionStore } from '../../../src/execution/in-memory-execution.store';
import { OrderRepository } from '../../../src/execution/order.repository';
import { PositionRepository } from '../../../src/execution/position.repository';
import { TradeRepository } from '../../../src/execution/trade.repository';
import { TypeOrmExecutionStore } from '../../../src/execution/typeorm-execution.store';
import { dataSourceOptions } from '../../../src/infra/database/data-source';
import type { Signal } from '../../../src/strategy/domain/signal';
import { aSignal } from '../../factories/signal.factory';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { ScriptedPrivateStream, ScriptedVenue } from '../../support/scripted-venue';
import { aBook } from '../../support/strategy-books';
import { waitFor } from '../../support/wait-for';

/**
 * The execution kernel's medium tier: the pure kernel (no Nest), built by createExecutionKernel exactly as a
 * backtest builds it, on each store adapter (process memory and PostgreSQL, same cases), against a venue each case
 * scripts (test/support/scripted-venue.ts), a fixed clock and a virtual delay.
 */

const T0 = 1_764_000_000_000;
const SYMBOL = 'BTCUSDT';
const QTY = '0.003';
const MAX_HOLD_MS = 60_000;
const FOREIGN_EXECUTION: ExchangeExecution = {
  execId: 'exec-after-lease-loss',
  orderId: 'venue-order-x',
  orderLinkId: '',
  symbol: SYMBOL,
  side: 'Buy',
  orderType: 'Market',
  execType: 'Trade',
  execPrice: '100.0',
  execQty: QTY,
  execValue: '0.3',
  execFee: '0.01',
  feeRate: '0.00055',
  feeCurrency: 'USDT',
  isMaker: false,
  leavesQty: '0',
  closedSize: '0',
  markPrice: '100.0',
  execTime: T0,
  seq: 1,
};

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  dataSource = new DataSource({
    ...dataSourceOptions(db.url, 4),
    entities: [OrderEntity, PositionEntity, TradeEntity],
  });
  await dataSource.initialize();
});

afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

interface Adapter {
  readonly name: string;
  store(clock: FixedClock): Promise<ExecutionStore>;
}

const adapters: Adapter[] = [
  {
    name: 'InMemoryExecutionStore',
    store: async (clock) => new InMemoryExecutionStore(clock),
  },
  {
    name: 'TypeOrmExecutionStore (PostgreSQL)',
    store: async () => {
      // Every case starts from empty tables, as the in-memory store does.
      await dataSource.query('TRUNCATE trades, orders, positions CASCADE');
      return new TypeOrmExecutionStore(
        dataSource,
        new OrderRepository(dataSource.getRepository(OrderEntity)),
        new PositionRepository(dataSource.getRepository(PositionEntity)),
        new TradeRepository(dataSource.getRepository(TradeEntity)),
      );
    },
  },
];

/** Approves every entry with a fixed size, TP at +1 % and SL at −1 % of 100.0; records realised PnL. */
function scriptedRisk(realised: number[]): RiskPort {
  return {
    checkEntry: (check) => ({
      approved: true,
      order: {
        symbol: check.symbol,
        side: check.side,
        qty: QTY,
        price: check.price,
        notionalUsdt: 0.3,
        takeProfit: check.side === 'Buy' ? '101.0' : '99.0',
        stopLoss: check.side === 'Buy' ? '99.0' : '101.0',
      },
    }),
    recordRealisedPnl: (pnl) => void realised.push(pnl),
  };
}

describe.each(adapters)('execution kernel on $name', (adapter) => {
  let clock: FixedClock;
  let venue: ScriptedVenue;
  let stream: ScriptedPrivateStream;
  let store: ExecutionStore;
  let kernel: ExecutionKernel;
  let lease: { held: boolean };
  let delays: number[];
  let realised: number[];
  let events: Array<{ name: ExecutionEventName; payload: unknown }>;
  let books: Map<string, OrderBook>;

  beforeEach(async () => {
    clock = new FixedClock(T0);
    venue = new ScriptedVenue();
    stream = new ScriptedPrivateStream();
    lease = { held: true };
    delays = [];
    realised = [];
    events = [];
    books = new Map();
    store = await adapter.store(clock);
    const permit = new TradingPermit({
      leaseHeld: () => lease.held,
      leaseGeneration: () => 1,
      killSwitchActive: () => false,
      tradeBreakerOpen: () => false,
      bookFresh: () => true,
    });
    permit.setWanted(true);
    permit.grant(1);
    kernel = createExecutionKernel({
      store,
      venue,
      clock,
      delay: {
        wait: async (ms) => {
          delays.push(ms);
          clock.advance(ms);
        },
      },
      risk: scriptedRisk(realised),
      permit,
      instruments: { get: () => ({ tickSize: '0.1', qtyStep: '0.001' }) },
      books: { book: (symbol) => books.get(symbol) },
      events: { publish: (name, payload) => void events.push({ name, payload }) },
      settings: { pairs: [SYMBOL], maxHoldMs: MAX_HOLD_MS },
    });
    kernel.connect(stream);
  });

  afterEach(async () => {
    await kernel.drain();
  });

  function signal(side: 'Buy' | 'Sell' = 'Buy'): Signal {
    return aSignal({ symbol: SYMBOL, side, price: '100.0' });
  }

  /** A signal into the kernel; `work` is the write-ahead + send (resolves once the send's answer is applied). */
  function enter(side: 'Buy' | 'Sell' = 'Buy') {
    const s = signal(side);
    let work: Promise<void> = Promise.resolve();
    const outcome = kernel.onSignal(s, (w) => (work = w));
    return { outcome, work, linkId: clientOrderIdFor({ kind: 'entry', signalId: s.id }) };
  }

  async function orderOf(linkId: string): Promise<OrderRecord> {
    const order = await store.orderByClientOrderId(linkId);
    if (!order) throw new Error(`no order ${linkId}`);
    return order;
  }

  async function positionOf(order: OrderRecord): Promise<PositionRecord> {
    const position = order.positionId === null ? null : await store.positionById(order.positionId);
    if (!position) throw new Error(`no position for ${order.clientOrderId}`);
    return position;
  }

  /** The execution, then the order's report after it, each applied before the next (as pushes arrive). */
  async function fillAndPush(linkId: string, qty: string, price: string): Promise<void> {
    const { execution, report } = venue.fill(linkId, qty, price);
    expect(await kernel.onExecution(execution)).toBe(true);
    await kernel.onExchangeOrder(report);
  }

  /** An entry acknowledged and filled in full at 100.0: an Open Buy 0.003 position. */
  async function openPosition(): Promise<PositionRecord> {
    const entry = enter();
    await entry.work;
    await fillAndPush(entry.linkId, QTY, '100.0');
    const position = await positionOf(await orderOf(entry.linkId));
    expect(position.status).toBe('Open');
    return position;
  }

  /** Waits for the exit's create, fills it at `price`, and returns the closed position. */
  async function fillExit(positionId: string, price: string): Promise<PositionRecord> {
    const exit = (await waitFor(() => venue.creates.find((c) => c.reduceOnly), { what: 'the exit create' }))!;
    await kernel.drain();
    await fillAndPush(exit.orderLinkId!, exit.qty, price);
    const closed = await store.positionById(positionId);
    return closed!;
  }

  const names = () => events.map((e) => e.name);

  it('should place the entry, apply the ack, then the fill and the Filled push (ack before push)', async () => {
    const entry = enter();
    expect(entry.outcome).toBe('sent');
    await entry.work;

    const placed = await orderOf(entry.linkId);
    expect(placed.status).toBe('Placed');
    expect(placed.exchangeOrderId).toBe(venue.report(entry.linkId).orderId);
    expect(venue.creates).toHaveLength(1);
    expect(venue.creates[0]).toMatchObject({ symbol: SYMBOL, side: 'Buy', orderType: 'Market', qty: QTY });

    await fillAndPush(entry.linkId, QTY, '100.0');
    const filled = await orderOf(entry.linkId);
    expect(filled.status).toBe('Filled');
    expect(filled.filledQuantity).toBe(QTY);
    expect(Number(filled.avgFillPrice)).toBe(100);
    const position = await positionOf(filled);
    expect(position).toMatchObject({ status: 'Open', quantity: QTY });
    expect(Number(position.entryPrice)).toBe(100);
    expect(kernel.live.bySymbol(SYMBOL)).toMatchObject({ id: position.id, status: 'Open', quantity: 0.003 });
    expect(names()).toEqual([
      'order.created',
      'order.status-changed',
      'order.filled',
      'position.opened',
      'order.status-changed',
    ]);
  });

  it('should apply a fill and a Filled push that beat the ack, and only record the exchange id from the late ack', async () => {
    const held = venue.holdNextAck();
    const entry = enter();
    const request = await held.sent;
    expect(request.orderLinkId).toBe(entry.linkId);

    await fillAndPush(entry.linkId, QTY, '100.0');
    const beforeAck = await orderOf(entry.linkId);
    expect(beforeAck.status).toBe('Filled');
    expect((await positionOf(beforeAck)).status).toBe('Open');

    held.release();
    await entry.work;
    const after = await orderOf(entry.linkId);
    expect(after.status).toBe('Filled');
    expect(after.exchangeOrderId).toBe(venue.report(entry.linkId).orderId);
    expect(after.stateHistory.map((r) => r.to)).toEqual(['Pending', 'Filled']);
  });

  it("should route the private stream's pushes of its symbols into the kernel", async () => {
    const entry = enter();
    await entry.work;
    const { execution, report } = venue.fill(entry.linkId, QTY, '100.0');
    stream.push('execution', execution);
    stream.push('order', report);
    stream.push('order', { ...report, symbol: 'DOGEUSDT' });

    const filled = await waitFor(() => orderOf(entry.linkId), {
      until: (o) => o.status === 'Filled',
      what: 'the pushed Filled status',
    });
    await kernel.drain();
    expect(filled.filledQuantity).toBe(QTY);
    expect((await positionOf(filled)).status).toBe('Open');
    expect(kernel.counters().pushes_ignored).toBe(1);
  });

  it('should take partial fills to PartiallyFilled, then Filled, with the weighted average on order and position', async () => {
    const entry = enter();
    await entry.work;

    await fillAndPush(entry.linkId, '0.001', '100.0');
    const partial = await orderOf(entry.linkId);
    expect(partial).toMatchObject({ status: 'PartiallyFilled', filledQuantity: '0.001' });
    expect(await positionOf(partial)).toMatchObject({ status: 'Open', quantity: '0.001' });

    await fillAndPush(entry.linkId, '0.002', '100.3');
    const filled = await orderOf(entry.linkId);
    expect(filled).toMatchObject({ status: 'Filled', filledQuantity: QTY });
    expect(Number(filled.avgFillPrice)).toBeCloseTo(100.2, 6);
    const position = await positionOf(filled);
    expect(position.quantity).toBe(QTY);
    expect(Number(position.entryPrice)).toBeCloseTo(100.2, 6);
    expect(Number(position.fees)).toBeCloseTo(0.02, 9);
  });

  it('should look a timed-out create up by orderLinkId, find it, and never send it again', async () => {
    venue.failNext('TIMEOUT', { received: true });
    const entry = enter();
    await entry.work;

    expect(venue.creates).toHaveLength(1);
    expect(venue.lookUps).toContain(entry.linkId);
    expect(delays).toEqual([]);
    const order = await orderOf(entry.linkId);
    expect(order.status).toBe('Placed');
    expect(order.exchangeOrderId).toBe(venue.report(entry.linkId).orderId);
  });

  it('should end a timed-out create the venue never got as Failed after three look-ups with a growing back-off', async () => {
    venue.failNext('TIMEOUT');
    const entry = enter();
    await entry.work;

    expect(venue.creates).toHaveLength(1);
    expect(delays).toEqual([1000, 2000, 3000]);
    const order = await orderOf(entry.linkId);
    expect(order.status).toBe('Failed');
    expect(order.errorMessage).toContain('not on the exchange');
    expect(await positionOf(order)).toMatchObject({ status: 'Closed', exitReason: 'ENTRY_NOT_FILLED' });
    expect(kernel.live.bySymbol(SYMBOL)).toBeUndefined();
  });

  it('should record a refused create as Rejected, close its empty position and free the symbol', async () => {
    venue.failNext('REJECTED');
    const entry = enter();
    await entry.work;

    const order = await orderOf(entry.linkId);
    expect(order.status).toBe('Rejected');
    expect(order.errorMessage).toBe('scripted REJECTED');
    expect(await positionOf(order)).toMatchObject({ status: 'Closed', exitReason: 'ENTRY_NOT_FILLED' });
    expect(kernel.live.bySymbol(SYMBOL)).toBeUndefined();
    expect(kernel.live.pendingEntries).toBe(0);
    expect(delays).toEqual([]);
  });

  it('should apply a reject pushed after the ack (the matching engine refused it) the same way', async () => {
    const entry = enter();
    await entry.work;
    await kernel.onExchangeOrder({
      ...venue.report(entry.linkId),
      status: 'Rejected',
      rejectReason: 'EC_NoImmediateQtyToFill',
    });

    const order = await orderOf(entry.linkId);
    expect(order).toMatchObject({ status: 'Rejected', errorMessage: 'EC_NoImmediateQtyToFill' });
    expect(await positionOf(order)).toMatchObject({ status: 'Closed', exitReason: 'ENTRY_NOT_FILLED' });
  });

  it('should close on TAKE_PROFIT when the bid reaches it, and hand the realised PnL to risk', async () => {
    const position = await openPosition();
    kernel.onBook(SYMBOL, aBook([[1010, 5]], [[1011, 5]]), clock.nowMs());
    const closed = await fillExit(position.id, '101.0');

    expect(closed).toMatchObject({ status: 'Closed', exitReason: 'TAKE_PROFIT' });
    expect(Number(closed.quantity)).toBe(0);
    // 0.003 × (101 − 100) − 2 × 0.01 fees.
    expect(Number(closed.realizedPnl)).toBeCloseTo(-0.017, 9);
    expect(realised).toHaveLength(1);
    expect(realised[0]).toBeCloseTo(-0.017, 9);
    expect(closed.stateHistory.map((r) => r.to)).toEqual(['Opening', 'Open', 'Closing', 'Closed']);
    expect(venue.creates[1]).toMatchObject({ side: 'Sell', qty: QTY, reduceOnly: true, orderType: 'Market' });
    expect(kernel.live.bySymbol(SYMBOL)).toBeUndefined();
  });

  it('should close on STOP_LOSS when the bid falls to it', async () => {
    const position = await openPosition();
    kernel.onBook(SYMBOL, aBook([[989, 5]], [[990, 5]]), clock.nowMs());
    const closed = await fillExit(position.id, '98.9');

    expect(closed).toMatchObject({ status: 'Closed', exitReason: 'STOP_LOSS' });
    expect(Number(closed.realizedPnl)).toBeCloseTo(0.003 * (98.9 - 100) - 0.02, 9);
  });

  it('should close on MAX_HOLD_TIME from the sweep once the hold time has passed, and not before', async () => {
    const position = await openPosition();
    kernel.sweepExits();
    expect(venue.creates).toHaveLength(1);

    clock.advance(MAX_HOLD_MS + 1000);
    kernel.sweepExits();
    const closed = await fillExit(position.id, '100.0');
    expect(closed).toMatchObject({ status: 'Closed', exitReason: 'MAX_HOLD_TIME' });
  });

  it('should close on OPPOSITE_SIGNAL instead of entering the other side', async () => {
    const position = await openPosition();
    const opposite = enter('Sell');
    expect(opposite.outcome).toBe('exit');
    const closed = await fillExit(position.id, '100.0');

    expect(closed).toMatchObject({ status: 'Closed', exitReason: 'OPPOSITE_SIGNAL' });
    expect(venue.creates.filter((c) => !c.reduceOnly)).toHaveLength(1);
  });

  it('should close by hand (MANUAL), and refuse an unknown or a closed position with the right error', async () => {
    const position = await openPosition();
    await expect(kernel.closePosition(position.id)).resolves.toEqual({ id: position.id, symbol: SYMBOL });
    const closed = await fillExit(position.id, '100.0');
    expect(closed).toMatchObject({ status: 'Closed', exitReason: 'MANUAL' });

    await expect(kernel.closePosition(position.id)).rejects.toMatchObject({ code: 'POSITION_NOT_OPEN' });
    const unknown = kernel.closePosition('00000000-0000-4000-8000-999999999999');
    await expect(unknown).rejects.toBeInstanceOf(ExecutionError);
    await expect(unknown).rejects.toMatchObject({ code: 'POSITION_NOT_FOUND' });
  });

  it('should put the position back to Open when its exit is cancelled unfilled, and retry after the back-off', async () => {
    const position = await openPosition();
    kernel.onBook(SYMBOL, aBook([[1010, 5]], [[1011, 5]]), clock.nowMs());
    const exit = (await waitFor(() => venue.creates.find((c) => c.reduceOnly), { what: 'the exit create' }))!;
    await kernel.drain();
    await kernel.onExchangeOrder(venue.cancel(exit.orderLinkId!));

    expect(await store.positionById(position.id)).toMatchObject({ status: 'Open', exitAttempts: 1 });
    const live = kernel.live.byId(position.id)!;
    expect(live.status).toBe('Open');
    kernel.onBook(SYMBOL, aBook([[1010, 5]], [[1011, 5]]), clock.nowMs());
    expect(venue.creates.filter((c) => c.reduceOnly)).toHaveLength(1);
    clock.advance(live.nextExitAtMs - clock.nowMs());
    kernel.onBook(SYMBOL, aBook([[1010, 5]], [[1011, 5]]), clock.nowMs());
    await waitFor(() => venue.creates.filter((c) => c.reduceOnly).length === 2, { what: 'the second exit' });
    expect(venue.creates[2].orderLinkId).not.toBe(exit.orderLinkId);
  });

  it('should not send an order written ahead when the lease went before the send', async () => {
    const writeAheadEntry = store.writeAheadEntry.bind(store);
    store.writeAheadEntry = async (position, order) => {
      const written = await writeAheadEntry(position, order);
      lease.held = false;
      return written;
    };
    const entry = enter();
    expect(entry.outcome).toBe('sent');
    await entry.work;

    expect(venue.creates).toHaveLength(0);
    const order = await orderOf(entry.linkId);
    expect(order.status).toBe('Pending');
    expect((await positionOf(order)).status).toBe('Opening');
    // Pushes stop being tracked without the lease as well.
    stream.push('execution', { ...FOREIGN_EXECUTION, orderLinkId: entry.linkId });
    expect(kernel.counters().pushes_ignored).toBe(1);
  });

  it('should refuse a replayed signal (same orderLinkId) and send one order', async () => {
    const s = signal();
    let first: Promise<void> = Promise.resolve();
    expect(kernel.onSignal(s, (w) => (first = w))).toBe('sent');
    expect(kernel.onSignal(s)).toBe('duplicate');
    await first;
    expect(venue.creates).toHaveLength(1);
  });
});
