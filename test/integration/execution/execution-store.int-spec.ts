import { DataSource } from 'typeorm';
import type {
  ExecutionStore,
  NewOrderRecord,
  NewPositionRecord,
  TradeFill,
} from '../../../src/execution/domain/execution-store';
import { OrderEntity } from '../../../src/execution/entities/order.entity';
import { PositionEntity } from '../../../src/execution/entities/position.entity';
import { TradeEntity } from '../../../src/execution/entities/trade.entity';
import { DuplicateClientOrderIdError, StaleVersionError } from '../../../src/execution/execution.errors';
import { InMemoryExecutionStore } from '../../../src/execution/in-memory-execution.store';
import { OrderRepository } from '../../../src/execution/order.repository';
import { PositionRepository } from '../../../src/execution/position.repository';
import { TradeRepository } from '../../../src/execution/trade.repository';
import { TypeOrmExecutionStore } from '../../../src/execution/typeorm-execution.store';
import { dataSourceOptions } from '../../../src/infra/database/data-source';
import { createTestDatabase, TestDatabase } from '../../support/database';

/**
 * The execution store port's contract, run against both adapters: PostgreSQL (real database, every migration) and
 * process memory. Whatever a backtest sees from the in-memory store, live trading sees from PostgreSQL.
 */

const STEP = '0.001';
const AT_MS = 1_764_000_000_000;
const CREATED = [{ from: null, to: 'Opening', at: '2025-11-24T16:00:00.000Z', cause: 'entry written ahead' }];

let sequence = 0;
const linkId = () => `link-${process.pid}-${(sequence += 1)}`;
const anEntryPosition = (): NewPositionRecord => ({
  symbol: 'BTCUSDT',
  side: 'Buy',
  takeProfit: '110',
  stopLoss: '95',
  traceId: 'trace-1',
  stateHistory: CREATED,
});
const anEntryOrder = (clientOrderId = linkId()): NewOrderRecord => ({
  clientOrderId,
  symbol: 'BTCUSDT',
  side: 'Buy',
  orderType: 'Market',
  quantity: '0.003',
  traceId: 'trace-1',
  stateHistory: [{ from: null, to: 'Pending', at: '2025-11-24T16:00:00.000Z', cause: 'signal' }],
});
const aTradeFill = (execId: string, price: string, quantity: string, fee = '0.01'): TradeFill => ({
  execId,
  price,
  quantity,
  fee,
  atMs: AT_MS,
  feeCurrency: 'USDT',
  isMaker: false,
});
const step = () => STEP;

interface Adapter {
  readonly name: string;
  store(): ExecutionStore;
}

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

const adapters: Adapter[] = [
  {
    name: 'TypeOrmExecutionStore (PostgreSQL)',
    store: () =>
      new TypeOrmExecutionStore(
        dataSource,
        new OrderRepository(dataSource.getRepository(OrderEntity)),
        new PositionRepository(dataSource.getRepository(PositionEntity)),
        new TradeRepository(dataSource.getRepository(TradeEntity)),
      ),
  },
  { name: 'InMemoryExecutionStore', store: () => new InMemoryExecutionStore() },
];

describe.each(adapters)('$name', (adapter) => {
  let sut: ExecutionStore;

  beforeEach(() => {
    sut = adapter.store();
  });

  it('should record an Opening position and its Pending order at version 1 when an entry is written ahead', async () => {
    const { order, positionId } = await sut.writeAheadEntry(anEntryPosition(), anEntryOrder());

    expect(order).toMatchObject({ status: 'Pending', positionId, filledQuantity: '0', avgFillPrice: null, version: 1 });
    expect(await sut.positionById(positionId)).toMatchObject({
      status: 'Opening',
      quantity: '0',
      takeProfit: '110',
      stopLoss: '95',
      version: 1,
    });
    expect((await sut.orderByClientOrderId(order.clientOrderId))?.id).toBe(order.id);
  });

  it('should refuse a second write-ahead of the same orderLinkId and record nothing for it', async () => {
    const id = linkId();
    await sut.writeAheadEntry(anEntryPosition(), anEntryOrder(id));

    await expect(sut.writeAheadEntry(anEntryPosition(), anEntryOrder(id))).rejects.toBeInstanceOf(
      DuplicateClientOrderIdError,
    );
    await expect(sut.writeAheadOrder({ ...anEntryOrder(id), positionId: null })).rejects.toBeInstanceOf(
      DuplicateClientOrderIdError,
    );
  });

  it('should refuse an update that names a version another writer already moved', async () => {
    const { order } = await sut.writeAheadEntry(anEntryPosition(), anEntryOrder());
    const placed = await sut.updateOrder(order.id, 1, { status: 'Placed', exchangeOrderId: 'ex-1' });

    await expect(sut.updateOrder(order.id, 1, { status: 'Cancelled' })).rejects.toBeInstanceOf(StaleVersionError);
    expect(placed).toMatchObject({ status: 'Placed', exchangeOrderId: 'ex-1', version: 2 });
  });

  it('should apply partial fills to the order and open, then grow, the position', async () => {
    const { order, positionId } = await sut.writeAheadEntry(anEntryPosition(), anEntryOrder());

    const first = await sut.applyExecution(order.id, aTradeFill(`${order.id}-e1`, '100', '0.001'), step);
    const second = await sut.applyExecution(order.id, aTradeFill(`${order.id}-e2`, '101', '0.002'), step);

    expect(first?.before?.status).toBe('Opening');
    expect(first?.position).toMatchObject({ status: 'Open', quantity: '0.001', entryPrice: '100' });
    expect(second?.order).toMatchObject({ filledQuantity: '0.003', avgFillPrice: '100.6666666667', fee: '0.02' });
    expect(await sut.positionById(positionId)).toMatchObject({
      status: 'Open',
      quantity: '0.003',
      entryPrice: '100.6666666667',
      fees: '0.02',
      realizedPnl: '-0.02',
      version: 3,
    });
  });

  it('should apply an execution once when the exchange reports it twice', async () => {
    const { order, positionId } = await sut.writeAheadEntry(anEntryPosition(), anEntryOrder());
    let recorded = 0;

    await sut.applyExecution(order.id, aTradeFill(`${order.id}-dup`, '100', '0.001'), step, () => (recorded += 1));
    const again = await sut.applyExecution(
      order.id,
      aTradeFill(`${order.id}-dup`, '100', '0.001'),
      step,
      () => (recorded += 1),
    );

    expect(again).toBeUndefined();
    expect(recorded).toBe(1);
    expect((await sut.positionById(positionId))?.quantity).toBe('0.001');
  });

  it('should close the position through Closing with EXCHANGE_CLOSED when an opposite fill takes it to zero', async () => {
    const { order, positionId } = await sut.writeAheadEntry(anEntryPosition(), anEntryOrder());
    await sut.applyExecution(order.id, aTradeFill(`${order.id}-in`, '100', '0.003', '0'), step);
    const exit = await sut.writeAheadOrder({
      ...anEntryOrder(),
      side: 'Sell',
      reduceOnly: true,
      positionId,
    });

    const closed = await sut.applyExecution(exit.id, aTradeFill(`${exit.id}-out`, '110', '0.005', '0'), step);

    expect(closed?.excessQuantity).toBe('0.002');
    expect(closed?.position).toMatchObject({
      status: 'Closed',
      exitPrice: '110',
      exitedQuantity: '0.003',
      realizedPnl: '0.03',
      exitReason: 'EXCHANGE_CLOSED',
    });
    expect(closed?.position?.stateHistory.map((r) => r.to).slice(-2)).toEqual(['Closing', 'Closed']);
  });

  it('should write an exit ahead: the position moved at its version and the Pending reduce-only order, together', async () => {
    const { order, positionId } = await sut.writeAheadEntry(anEntryPosition(), anEntryOrder());
    await sut.applyExecution(order.id, aTradeFill(`${order.id}-in`, '100', '0.003', '0'), step);
    const open = (await sut.positionById(positionId))!;
    const exitLink = linkId();

    const written = await sut.writeAheadExit(
      positionId,
      open.version,
      { status: 'Closing', exitReason: 'MANUAL', exitAttempts: 1, exitMarketData: { bestBid: '99' } },
      { ...anEntryOrder(exitLink), side: 'Sell', reduceOnly: true, quantity: '0.003', reason: 'MANUAL' },
    );

    expect(written.position).toMatchObject({
      status: 'Closing',
      exitReason: 'MANUAL',
      exitAttempts: 1,
      exitMarketData: { bestBid: '99' },
      version: open.version + 1,
    });
    expect(written.order).toMatchObject({
      clientOrderId: exitLink,
      status: 'Pending',
      reduceOnly: true,
      positionId,
      reason: 'MANUAL',
      version: 1,
    });
  });

  it('should write nothing of an exit when the position moved since it was read, or the orderLinkId exists', async () => {
    const { order, positionId } = await sut.writeAheadEntry(anEntryPosition(), anEntryOrder());
    await sut.applyExecution(order.id, aTradeFill(`${order.id}-in`, '100', '0.003', '0'), step);
    const open = (await sut.positionById(positionId))!;
    const exitOrder = (link: string) => ({ ...anEntryOrder(link), side: 'Sell' as const, reduceOnly: true });

    const staleLink = linkId();
    await expect(
      sut.writeAheadExit(positionId, open.version - 1, { status: 'Closing' }, exitOrder(staleLink)),
    ).rejects.toBeInstanceOf(StaleVersionError);
    expect(await sut.orderByClientOrderId(staleLink)).toBeNull();

    await expect(
      sut.writeAheadExit(positionId, open.version, { status: 'Closing' }, exitOrder(order.clientOrderId)),
    ).rejects.toBeInstanceOf(DuplicateClientOrderIdError);
    expect(await sut.positionById(positionId)).toMatchObject({ status: 'Open', version: open.version });
  });

  it('should list the live positions of the given symbols only, without Closed ones', async () => {
    const symbol = `L${sequence}USDT`;
    const live = await sut.writeAheadEntry({ ...anEntryPosition(), symbol }, { ...anEntryOrder(), symbol });
    const closed = await sut.writeAheadEntry({ ...anEntryPosition(), symbol }, { ...anEntryOrder(), symbol });
    await sut.updatePosition(closed.positionId, 1, { status: 'Closed', exitReason: 'ENTRY_NOT_FILLED' });
    await sut.writeAheadEntry({ ...anEntryPosition(), symbol: `O${sequence}USDT` }, anEntryOrder());

    const listed = await sut.livePositions([symbol]);

    expect(listed.map((p) => p.id)).toEqual([live.positionId]);
    expect(listed[0]).toMatchObject({ symbol, status: 'Opening' });
  });

  it('should list active orders not updated since the given time, and never finished ones', async () => {
    const symbol = `Q${sequence}USDT`;
    const active = await sut.writeAheadEntry({ ...anEntryPosition(), symbol }, { ...anEntryOrder(), symbol });
    const done = await sut.writeAheadEntry({ ...anEntryPosition(), symbol }, { ...anEntryOrder(), symbol });
    await sut.updateOrder(done.order.id, 1, { status: 'Failed', errorMessage: 'never sent' });
    const farFuture = Date.now() + 86_400_000;

    expect((await sut.quietActiveOrders(farFuture, [symbol])).map((o) => o.id)).toEqual([active.order.id]);
    expect(await sut.quietActiveOrders(farFuture, ['NOSUCHUSDT'])).toEqual([]);
    expect(await sut.quietActiveOrders(0, [symbol])).toEqual([]);
  });
});

describe('InMemoryExecutionStore without context (as the backtest keeps it)', () => {
  const context = {
    signalData: { id: 'sig-1' },
    entryMarketData: { bestBid: 100 },
    entryIndicators: { rsi_14: 55.5 },
  };

  it('should keep the context of an entry and of its exit by default, as the database does', async () => {
    const sut = new InMemoryExecutionStore();
    const { positionId } = await sut.writeAheadEntry({ ...anEntryPosition(), ...context }, anEntryOrder());
    const exit = await sut.updatePosition(positionId, 1, { exitMarketData: { bestBid: '99' } });

    expect(await sut.positionById(positionId)).toMatchObject(context);
    expect(exit.exitMarketData).toEqual({ bestBid: '99' });
  });

  it('should store null for the context and keep every figure when keepsContext is off', async () => {
    const sut = new InMemoryExecutionStore(undefined, { keepsContext: false });
    const { order, positionId } = await sut.writeAheadEntry({ ...anEntryPosition(), ...context }, anEntryOrder());
    await sut.applyExecution(order.id, aTradeFill(`${order.id}-e1`, '100', '0.001'), step);
    const exit = await sut.updatePosition(positionId, 2, {
      status: 'Closing',
      exitReason: 'MANUAL',
      exitAttempts: 1,
      exitMarketData: { bestBid: '99' },
      exitIndicators: { rsi_14: 40 },
    });

    expect(exit).toMatchObject({
      signalData: null,
      entryMarketData: null,
      entryIndicators: null,
      exitMarketData: null,
      exitIndicators: null,
      status: 'Closing',
      exitReason: 'MANUAL',
      quantity: '0.001',
      takeProfit: '110',
    });
  });
});
