import { DataSource } from 'typeorm';
import { OrderEntity } from '../../../src/execution/entities/order.entity';
import { PositionEntity } from '../../../src/execution/entities/position.entity';
import { TradeEntity } from '../../../src/execution/entities/trade.entity';
import {
  DuplicateClientOrderIdError,
  ExecutionError,
  StaleVersionError,
} from '../../../src/execution/execution.errors';
import { NewPendingOrder, OrderRepository } from '../../../src/execution/order.repository';
import { PositionRepository } from '../../../src/execution/position.repository';
import { TradeRepository } from '../../../src/execution/trade.repository';
import { dataSourceOptions } from '../../../src/infra/database/data-source';
import { isStaleVersionError, retryOnConflict } from '../../../src/infra/database/optimistic-lock';
import { createTestDatabase, TestDatabase } from '../../support/database';

/** Real: PostgreSQL with every migration, TypeORM, the repositories. Faked: nothing. */

let sequence = 0;
const anOrder = (overrides: Partial<NewPendingOrder> = {}): NewPendingOrder => ({
  clientOrderId: `sig-${process.pid}-${(sequence += 1)}`,
  symbol: 'BTCUSDT',
  side: 'Buy',
  orderType: 'Limit',
  quantity: '0.001',
  price: '65000.5',
  traceId: 'trace-1',
  ...overrides,
});

/** Resolves every waiter once `parties` of them have arrived: makes a race happen instead of hoping for it. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    arrived += 1;
    if (arrived === parties) release();
    return all;
  };
}

describe('optimistic locking', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let orders: OrderRepository;
  let positions: PositionRepository;
  let trades: TradeRepository;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: true });
    dataSource = new DataSource({
      ...dataSourceOptions(db.url, 4),
      entities: [OrderEntity, PositionEntity, TradeEntity],
    });
    await dataSource.initialize();
    orders = new OrderRepository(dataSource.getRepository(OrderEntity));
    positions = new PositionRepository(dataSource.getRepository(PositionEntity));
    trades = new TradeRepository(dataSource.getRepository(TradeEntity));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  describe(OrderRepository.name, () => {
    it('should insert a Pending order at version 1 with exact decimals and JSONB when writing ahead', async () => {
      const sut = orders;

      const order = await sut.insertPending(
        anOrder({
          signalData: { type: 'imbalance', strength: 0.82 },
          stateHistory: [{ from: null, to: 'Pending', at: '2025-01-01T00:00:00.000Z', cause: 'signal' }],
        }),
      );

      expect(order).toBeInstanceOf(OrderEntity);
      expect(order).toMatchObject({
        status: 'Pending',
        version: 1,
        quantity: '0.001',
        price: '65000.5',
        filledQuantity: '0',
      });
      expect(order.signalData).toEqual({ type: 'imbalance', strength: 0.82 });
      expect(order.stateHistory).toEqual([
        { from: null, to: 'Pending', at: '2025-01-01T00:00:00.000Z', cause: 'signal' },
      ]);
      expect(await sut.findByClientOrderId(order.clientOrderId)).toEqual(order);
    });

    it('should refuse a second order with the same client_order_id when the signal is replayed', async () => {
      const sut = orders;
      const first = anOrder();
      await sut.insertPending(first);

      const second = sut.insertPending({ ...first, quantity: '0.002' });

      await expect(second).rejects.toBeInstanceOf(DuplicateClientOrderIdError);
      await expect(second).rejects.toMatchObject({ kind: 'CONFLICT', code: 'DUPLICATE_CLIENT_ORDER_ID' });
    });

    it('should refuse an orderLinkId longer than 36 characters when inserting', async () => {
      await expect(orders.insertPending(anOrder({ clientOrderId: 'x'.repeat(37) }))).rejects.toMatchObject({
        kind: 'INVALID',
        code: 'BAD_LINK_ID',
      });
    });

    it('should let exactly one of two concurrent updates win when both expect the same version', async () => {
      const sut = orders;
      const order = await sut.insertPending(anOrder());

      const results = await Promise.allSettled([
        sut.updateWithVersion(order.id, order.version, {
          status: 'Placed',
          exchangeOrderId: 'ex-a',
          placedAt: new Date(),
        }),
        sut.updateWithVersion(order.id, order.version, { status: 'Rejected', errorMessage: 'from the other writer' }),
      ]);

      const won = results.filter((r): r is PromiseFulfilledResult<OrderEntity> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(won[0].value.version).toBe(2);
      expect(lost[0].reason).toBeInstanceOf(StaleVersionError);
      expect(lost[0].reason).toMatchObject({
        kind: 'CONFLICT',
        code: 'STALE_VERSION',
        aggregate: 'order',
        expectedVersion: 1,
      });
      expect(await sut.findById(order.id)).toMatchObject({ version: 2, status: won[0].value.status });
    });

    it('should make the loser succeed on a re-read when wrapped in retryOnConflict', async () => {
      const sut = orders;
      const order = await sut.insertPending(anOrder({ quantity: '1' }));
      const bothHaveRead = barrier(2);
      const fill = (qty: string, cause: string) =>
        retryOnConflict(
          async (attempt) => {
            const current = await sut.findById(order.id);
            if (!current) throw new Error('order vanished');
            if (attempt === 1) await bothHaveRead(); // both first attempts read version 1 before either writes
            const filled = (Number(current.filledQuantity) + Number(qty)).toString(); // test-only arithmetic on small integers
            return sut.updateWithVersion(order.id, current.version, {
              status: 'PartiallyFilled',
              filledQuantity: filled,
              stateHistory: [
                ...current.stateHistory,
                { from: current.status, to: 'PartiallyFilled', at: new Date().toISOString(), cause },
              ],
            });
          },
          { attempts: 3, backoffMs: 5 },
        );

      const [a, b] = await Promise.all([fill('0.25', 'fill-a'), fill('0.5', 'fill-b')]);

      const final = await sut.findById(order.id);
      expect([a.version, b.version].sort()).toEqual([2, 3]);
      expect(final).toMatchObject({ version: 3, filledQuantity: '0.75' });
      expect(final?.stateHistory.map((h) => h.cause).sort()).toEqual(['fill-a', 'fill-b']);
    });

    it('should say ORDER_NOT_FOUND rather than stale when the order does not exist', async () => {
      const missing = orders.updateWithVersion('00000000-0000-4000-8000-000000000000', 1, { status: 'Placed' });

      await expect(missing).rejects.toBeInstanceOf(ExecutionError);
      await expect(missing).rejects.toMatchObject({ kind: 'NOT_FOUND', code: 'ORDER_NOT_FOUND' });
    });

    it('should list only orders that may still trade when asked for the open orders of a symbol', async () => {
      const sut = orders;
      const open = await sut.insertPending(anOrder({ symbol: 'SOLUSDT' }));
      const done = await sut.insertPending(anOrder({ symbol: 'SOLUSDT' }));
      await sut.updateWithVersion(done.id, done.version, { status: 'Cancelled', cancelledAt: new Date() });
      await sut.insertPending(anOrder({ symbol: 'ETHUSDT' }));

      const found = await sut.findOpenBySymbol('SOLUSDT');

      expect(found.map((o) => o.id)).toEqual([open.id]);
    });
  });

  describe(PositionRepository.name, () => {
    it('should let exactly one of two concurrent updates win when both expect the same version', async () => {
      const sut = positions;
      const position = await sut.insertOpening({
        symbol: 'BTCUSDT',
        side: 'Buy',
        quantity: '0.01',
        entryReason: 'imbalance',
      });

      const results = await Promise.allSettled([
        sut.updateWithVersion(position.id, 1, { status: 'Open', entryPrice: '65000', openedAt: new Date() }),
        // Both writers keep it open, so the analysis test below sees only the positions it closes itself.
        sut.updateWithVersion(position.id, 1, { status: 'Open', entryPrice: '65010', openedAt: new Date() }),
      ]);

      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const [lost] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(lost.reason).toBeInstanceOf(StaleVersionError);
      expect(lost.reason).toMatchObject({ aggregate: 'position', code: 'STALE_VERSION' });
    });

    it('should rank closed positions by realized PnL and group them by exit reason when analysing', async () => {
      const sut = positions;
      const close = async (pnl: string, exitReason: string) => {
        const p = await sut.insertOpening({
          symbol: 'XRPUSDT',
          side: 'Sell',
          quantity: '10',
          signalData: { type: 'imbalance', strength: 0.9 },
        });
        return sut.updateWithVersion(p.id, p.version, {
          status: 'Closed',
          realizedPnl: pnl,
          exitReason,
          closedAt: new Date(),
        });
      };
      await close('12.5', 'take_profit');
      await close('-3.25', 'stop_loss');
      await close('4', 'take_profit');

      const top = await sut.topClosedByPnl(2);
      const stats = await sut.exitReasonStats();
      const signals = await sut.signalTypeStats();

      expect(top.map((p) => p.realizedPnl)).toEqual(['12.5', '4']);
      expect(stats).toEqual([
        { exitReason: 'take_profit', count: 2, avgPnl: expect.stringMatching(/^8\.25/), winningTrades: 2 },
        { exitReason: 'stop_loss', count: 1, avgPnl: expect.stringMatching(/^-3\.25/), winningTrades: 0 },
      ]);
      expect(signals).toEqual([
        { signalType: 'imbalance', trades: 3, avgStrength: expect.stringMatching(/^0\.9/), avgPnl: expect.any(String) },
      ]);
    });
  });

  describe(TradeRepository.name, () => {
    it('should store an execution once when the same execId is reported twice', async () => {
      const sut = trades;
      const order = await orders.insertPending(anOrder());
      const execution = {
        execId: `exec-${order.id}`,
        orderId: order.id,
        symbol: 'BTCUSDT',
        side: 'Buy' as const,
        price: '65000.5',
        quantity: '0.001',
        fee: '-0.0001',
        isMaker: true,
        executedAt: new Date('2025-01-01T00:00:01.000Z'),
      };

      const first = await sut.insert(execution);
      const second = await sut.insert(execution);

      expect(first).toMatchObject({
        inserted: true,
        trade: { execId: execution.execId, fee: '-0.0001', isMaker: true },
      });
      expect(second).toEqual({ inserted: false });
      expect(await sut.listByOrder(order.id)).toHaveLength(1);
    });

    it('should say ORDER_NOT_FOUND when the execution names an unknown order', async () => {
      const orphan = trades.insert({
        execId: 'exec-orphan',
        orderId: '00000000-0000-4000-8000-000000000000',
        symbol: 'BTCUSDT',
        side: 'Sell',
        price: '1',
        quantity: '1',
        executedAt: new Date(),
      });

      await expect(orphan).rejects.toMatchObject({ kind: 'NOT_FOUND', code: 'ORDER_NOT_FOUND' });
    });
  });

  describe(retryOnConflict.name, () => {
    it('should give up with the last conflict when every attempt is stale', async () => {
      let calls = 0;

      const run = retryOnConflict(
        async () => {
          calls += 1;
          throw new StaleVersionError('order', 'o-1', calls);
        },
        { attempts: 3, backoffMs: 0 },
      );

      await expect(run).rejects.toMatchObject({ code: 'STALE_VERSION', expectedVersion: 3 });
      expect(calls).toBe(3);
    });

    it('should not retry when the error is not a stale version', async () => {
      let calls = 0;

      const run = retryOnConflict(async () => {
        calls += 1;
        throw new ExecutionError('ORDER_NOT_FOUND', 'gone');
      });

      await expect(run).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
      expect(calls).toBe(1);
    });

    it('should recognise a stale version by kind and code when the class is not the execution one', () => {
      expect(isStaleVersionError({ kind: 'CONFLICT', code: 'STALE_VERSION' })).toBe(true);
      expect(isStaleVersionError({ kind: 'CONFLICT', code: 'DUPLICATE_CLIENT_ORDER_ID' })).toBe(false);
      expect(isStaleVersionError(null)).toBe(false);
    });
  });
});
