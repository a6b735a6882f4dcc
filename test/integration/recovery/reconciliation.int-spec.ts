import { Test, TestingModule } from '@nestjs/testing';
import { RestClientV5 } from 'bybit-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditModule } from '../../../src/audit/audit.module';
import { AuditService } from '../../../src/audit/audit.service';
import { ExchangeConnectionService } from '../../../src/exchange/exchange-connection.service';
import { ExchangeModule } from '../../../src/exchange/exchange.module';
import { InstrumentsService } from '../../../src/exchange/instruments.service';
import type { OrderRecord } from '../../../src/execution/domain/execution-store';
import { OrderStateMachine } from '../../../src/execution/domain/order.fsm';
import type { OrderStatus } from '../../../src/execution/domain/order-vocabulary';
import { PositionStateMachine } from '../../../src/execution/domain/position.fsm';
import { TypeOrmExecutionStore } from '../../../src/execution/typeorm-execution.store';
import { ExposureSource } from '../../../src/risk/domain/exposure-source';
import { loadAppConfig } from '../../../src/infra/config/app-config';
import { ConfigModule } from '../../../src/infra/config/config.module';
import { DatabaseModule } from '../../../src/infra/database/database.module';
import { EventBus } from '../../../src/infra/events/event-bus';
import { EventsModule } from '../../../src/infra/events/events.module';
import { TimeModule } from '../../../src/infra/time/time.module';
import { SymbolOwnershipService } from '../../../src/ownership/symbol-ownership.service';
import { ReconciliationService, ReconciliationSummary } from '../../../src/recovery/reconciliation.service';
import { RecoveryModule } from '../../../src/recovery/recovery.module';
import type { RecoveryEvents } from '../../../src/recovery/recovery.events';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { queryRows } from '../../support/execution-rows';
import { RunningSimulator, SIM_API_KEY, SIM_API_SECRET, startContractSimulator } from '../../support/simulator';
import { waitFor } from '../../support/wait-for';

/*
 * Reconciliation as a unit of its own: the pure matching and the repairs through execution's recovery facade,
 * driven by ReconciliationService.reconcile(). Real: PostgreSQL (every migration, the TypeORM execution store),
 * the project's Bybit V5 simulator over HTTP (through the app's BybitRestClient), Nest DI of RecoveryModule,
 * ExecutionModule and AuditModule, the symbol lease. Not started: the streams (lifecycle hooks are called by hand),
 * so the bot hears nothing of what the test does on the exchange, exactly as while it is down or disconnected:
 * reconciliation alone must find each discrepancy. Each case checks the fix counts, the rows, the
 * 'recovery.discrepancy-fixed' events and their audit rows.
 *
 * Discrepancy kinds (recovery.events.ts DISCREPANCY_KINDS) and where the code handles them:
 *  ORDER_NEVER_SENT            matchRecordedOrders 'never-sent'   → markNeverSent (Failed; empty entry Closed)
 *  ORDER_STATUS_DRIFT          matchRecordedOrders 'sync'         → the exchange's status applied
 *                              matchRecordedOrders 'vanished'     → markVanished (Cancelled)
 *  MISSED_FILL (order)         matchRecordedOrders 'sync' + missedFills → the order's executions applied
 *  MISSED_FILL (trade)         recent executions of the symbol    → applied when new (any order of ours)
 *  ORDER_UNKNOWN_TO_DB         matchExchangeOpenOrders 'adopt'    → written Pending, synced
 *                              (an 'unkeyed' open order is left alone, not a fix)
 *  POSITION_DRIFT              matchPositions 'align'             → Open at the exchange's size
 *  POSITION_CLOSED_ON_EXCHANGE matchPositions 'close-flat'        → Closed (RECONCILED_FLAT)
 *  POSITION_UNKNOWN_TO_DB      matchPositions 'adopt'             → written and opened at the exchange's size
 */

type Fixed = RecoveryEvents['recovery.discrepancy-fixed'];
interface AuditFix {
  readonly entity_type: string;
  readonly entity_id: string | null;
  readonly actor: string;
  readonly kind: string;
  readonly new_value: Record<string, unknown> | null;
}

const PAIRS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];

describe('reconciliation against the simulator on PostgreSQL', () => {
  let simulator: RunningSimulator;
  let database: TestDatabase;
  let moduleRef: TestingModule;
  let sdk: RestClientV5;
  let store: TypeOrmExecutionStore;
  let dataDir: string;
  const events: Fixed[] = [];

  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    queryRows<T>(database.url, text, params);

  /** One run, with the events it published and the audit rows they became. */
  async function reconcile(): Promise<{ summary: ReconciliationSummary; fixed: Fixed[]; audit: AuditFix[] }> {
    const [{ last }] = await sql<{ last: string }>(`SELECT coalesce(max(id), 0)::text AS last FROM audit_logs`);
    events.length = 0;
    const summary = await moduleRef.get(ReconciliationService).reconcile('manual');
    await moduleRef.get(EventBus).drain();
    // Ordered by kind: the audit rows of one run are written concurrently, so their ids need not follow the order
    // the fixes were published in.
    const audit = await sql<AuditFix>(
      `SELECT entity_type, entity_id, actor, context->>'kind' AS kind, new_value
         FROM audit_logs WHERE action = 'RECONCILIATION_FIX' AND id > $1 ORDER BY context->>'kind', id`,
      [last],
    );
    expect(summary).toMatchObject({ success: true });
    return { summary, fixed: [...events], audit };
  }

  async function submit(order: Parameters<RestClientV5['submitOrder']>[0]): Promise<string> {
    const answer = await sdk.submitOrder(order);
    expect(answer).toMatchObject({ retCode: 0 });
    return answer.result.orderId;
  }

  async function bestAsk(symbol: string): Promise<number> {
    const book = await sdk.getOrderbook({ category: 'linear', symbol, limit: 1 });
    return Number(book.result.a[0][0]);
  }

  /** A write-ahead entry as EntryExecutor leaves it just before the REST create. */
  async function pendingEntry(symbol: string, link: string, qty: string) {
    const atMs = Date.now();
    return store.writeAheadEntry(
      { symbol, side: 'Buy', stateHistory: PositionStateMachine.create({ cause: 'test', atMs }).history },
      {
        clientOrderId: link,
        symbol,
        side: 'Buy',
        orderType: 'Market',
        timeInForce: 'IOC',
        quantity: qty,
        stateHistory: OrderStateMachine.create({ cause: 'test', atMs }).history,
      },
    );
  }

  /** A position-less order recorded in `status` (reached through the state machine). */
  async function orderIn(symbol: string, link: string, qty: string, path: OrderStatus[]): Promise<OrderRecord> {
    const atMs = Date.now();
    const machine = OrderStateMachine.create({ cause: 'test', atMs });
    const order = await store.writeAheadOrder({
      clientOrderId: link,
      symbol,
      side: 'Buy',
      orderType: 'Market',
      timeInForce: 'IOC',
      quantity: qty,
      positionId: null,
      stateHistory: machine.history,
    });
    for (const to of path) machine.transition(to, { cause: 'test', atMs });
    return store.updateOrder(order.id, order.version, {
      status: machine.status,
      stateHistory: [...machine.history],
      ...(path.includes('Placed') ? { exchangeOrderId: `gone-${link}` } : {}),
    });
  }

  /** An Open position row with no order working. */
  async function openPosition(symbol: string, side: 'Buy' | 'Sell', qty: string, entry: string): Promise<string> {
    const atMs = Date.now();
    const machine = PositionStateMachine.create({ cause: 'test', atMs });
    const { order, positionId } = await store.writeAheadEntry(
      { symbol, side, stateHistory: machine.history },
      {
        clientOrderId: `row-${symbol}-${atMs}`,
        symbol,
        side,
        orderType: 'Market',
        quantity: qty,
        stateHistory: OrderStateMachine.create({ cause: 'test', atMs }).history,
      },
    );
    // Its entry order is long finished (a Failed one keeps the picture simple: no fills to explain).
    const orderMachine = OrderStateMachine.restore(order.status, order.stateHistory);
    orderMachine.transition('Failed', { cause: 'test', atMs });
    await store.updateOrder(order.id, order.version, {
      status: 'Failed',
      stateHistory: [...orderMachine.history],
    });
    machine.transition('Open', { cause: 'test', atMs });
    await store.updatePosition(positionId, 1, {
      status: 'Open',
      quantity: qty,
      entryPrice: entry,
      openedAtMs: atMs,
      stateHistory: [...machine.history],
    });
    return positionId;
  }

  beforeAll(async () => {
    simulator = await startContractSimulator();
    database = await createTestDatabase({ migrated: true });
    dataDir = mkdtempSync(join(tmpdir(), 'recovery-int-'));
    const config = loadAppConfig(
      {
        BYBIT_ENV: 'sim',
        APP_PASSWORD: 'a-long-password',
        SECRET_KEY: 'k'.repeat(64),
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        BYBIT_API_KEY: SIM_API_KEY,
        BYBIT_API_SECRET: SIM_API_SECRET,
        TRADING_PAIRS: PAIRS.join(','),
        // Exits far away: nothing but the test changes positions.
        MAX_HOLD_SECONDS: '36000',
        TAKE_PROFIT_PCT: '50',
        STOP_LOSS_PCT: '50',
      },
      { dotenvPath: false },
    );
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        TimeModule,
        EventsModule,
        DatabaseModule.forRoot(database.url, 4),
        ExchangeModule.forRoot({ simPort: simulator.port }),
        RecoveryModule,
        AuditModule,
      ],
    }).compile();
    store = moduleRef.get(TypeOrmExecutionStore);
    moduleRef.get(AuditService).onModuleInit();
    await moduleRef.get(InstrumentsService).start();
    await moduleRef.get(SymbolOwnershipService).start();
    moduleRef.get(EventBus).on('recovery.discrepancy-fixed', (event) => void events.push(event));
    sdk = new RestClientV5({ key: SIM_API_KEY, secret: SIM_API_SECRET, baseUrl: simulator.restUrl });

    const first = await reconcile();
    expect(first.summary.fixes).toEqual({});
  }, 60_000);

  it("should hand the entry margin check the account's leverage before any position exists", () => {
    // Flat everywhere: the list of open positions says nothing; the per-symbol answer carries the simulator's 10×.
    expect(moduleRef.get(ExposureSource).exposure().leverage).toBe(10);
  });

  afterAll(async () => {
    await moduleRef.get(ExchangeConnectionService).shutdown();
    moduleRef.get(InstrumentsService).stop();
    await moduleRef.close();
    await database.drop();
    await simulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ORDER_NEVER_SENT: fails a Pending entry the exchange never received and closes its empty position', async () => {
    const { order, positionId } = await pendingEntry('ETHUSDT', 'int-never-sent-1', '0.01');

    const { summary, fixed, audit } = await reconcile();

    expect(summary.fixes).toEqual({ ORDER_NEVER_SENT: 1 });
    expect(await sql(`SELECT status, error_message FROM orders WHERE id = $1`, [order.id])).toEqual([
      { status: 'Failed', error_message: 'never reached the exchange (not found by orderLinkId)' },
    ]);
    expect(await sql(`SELECT status, exit_reason FROM positions WHERE id = $1`, [positionId])).toEqual([
      { status: 'Closed', exit_reason: 'ENTRY_NOT_FILLED' },
    ]);
    expect(fixed).toEqual([
      expect.objectContaining({
        kind: 'ORDER_NEVER_SENT',
        entityType: 'order',
        entityId: order.id,
        symbol: 'ETHUSDT',
        oldValue: { status: 'Pending' },
        newValue: { status: 'Failed' },
      }),
    ]);
    expect(audit).toEqual([
      {
        entity_type: 'order',
        entity_id: order.id,
        actor: 'recovery',
        kind: 'ORDER_NEVER_SENT',
        new_value: { status: 'Failed' },
      },
    ]);
  });

  it('ORDER_STATUS_DRIFT + MISSED_FILL (order): applies the fill and status of an entry sent but never acknowledged here', async () => {
    const link = 'int-sent-not-acked-1';
    const { order, positionId } = await pendingEntry('BTCUSDT', link, '0.01');
    const exchangeOrderId = await submit({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Market',
      qty: '0.01',
      orderLinkId: link,
    });

    const { summary, fixed, audit } = await reconcile();

    expect(summary.fixes).toEqual({ MISSED_FILL: 1, ORDER_STATUS_DRIFT: 1 });
    const [row] = await sql<{ status: string; filled: string; exchange_order_id: string }>(
      `SELECT status, filled_quantity::float8 AS filled, exchange_order_id FROM orders WHERE id = $1`,
      [order.id],
    );
    expect(row).toEqual({ status: 'Filled', filled: 0.01, exchange_order_id: exchangeOrderId });
    expect(await sql(`SELECT count(*)::int AS n FROM trades WHERE order_id = $1`, [order.id])).toEqual([{ n: 1 }]);
    const [position] = await sql<{ status: string; quantity: number; entry_price: number }>(
      `SELECT status, quantity::float8 AS quantity, entry_price::float8 AS entry_price FROM positions WHERE id = $1`,
      [positionId],
    );
    expect(position).toMatchObject({ status: 'Open', quantity: 0.01 });
    expect(position.entry_price).toBeGreaterThan(0);
    expect(fixed.map((f) => [f.kind, f.entityId, f.newValue])).toEqual([
      ['MISSED_FILL', order.id, { fills: 1 }],
      ['ORDER_STATUS_DRIFT', order.id, { status: 'Filled', exchangeOrderId }],
    ]);
    expect(audit.map((a) => [a.kind, a.entity_id])).toEqual([
      ['MISSED_FILL', order.id],
      ['ORDER_STATUS_DRIFT', order.id],
    ]);
  });

  it('ORDER_STATUS_DRIFT (vanished): cancels a working order the exchange no longer knows', async () => {
    const order = await orderIn('ETHUSDT', 'int-vanished-1', '0.01', ['Placed']);

    const { summary, fixed, audit } = await reconcile();

    expect(summary.fixes).toEqual({ ORDER_STATUS_DRIFT: 1 });
    expect(await sql(`SELECT status, error_message FROM orders WHERE id = $1`, [order.id])).toEqual([
      { status: 'Cancelled', error_message: 'no longer known to the exchange' },
    ]);
    expect(fixed).toEqual([
      expect.objectContaining({
        kind: 'ORDER_STATUS_DRIFT',
        entityId: order.id,
        oldValue: { status: 'Placed' },
        newValue: { status: 'Cancelled' },
      }),
    ]);
    expect(audit.map((a) => [a.kind, a.entity_id])).toEqual([['ORDER_STATUS_DRIFT', order.id]]);
  });

  it('MISSED_FILL (trade) + POSITION_UNKNOWN_TO_DB: records a fill of a finished order and adopts the position it made', async () => {
    // The unknown-outcome path gave up on this order (Failed), but the exchange did fill it.
    const link = 'int-failed-but-filled-1';
    const order = await orderIn('SOLUSDT', link, '1', ['Failed']);
    await submit({
      category: 'linear',
      symbol: 'SOLUSDT',
      side: 'Buy',
      orderType: 'Market',
      qty: '1',
      orderLinkId: link,
    });

    const { summary, fixed, audit } = await reconcile();

    expect(summary.fixes).toEqual({ MISSED_FILL: 1, POSITION_UNKNOWN_TO_DB: 1 });
    const trades = await sql<{ exec_id: string; quantity: number }>(
      `SELECT exec_id, quantity::float8 AS quantity FROM trades WHERE order_id = $1`,
      [order.id],
    );
    expect(trades).toEqual([{ exec_id: expect.any(String), quantity: 1 }]);
    expect(await sql(`SELECT status, filled_quantity::float8 AS filled FROM orders WHERE id = $1`, [order.id])).toEqual(
      [{ status: 'Failed', filled: 1 }],
    );
    const adopted = await sql<{
      id: string;
      side: string;
      quantity: number;
      entry_reason: string;
      take_profit: string | null;
    }>(
      `SELECT id, side, quantity::float8 AS quantity, entry_reason, take_profit::text FROM positions
        WHERE symbol = 'SOLUSDT' AND status = 'Open'`,
    );
    expect(adopted).toEqual([
      {
        id: expect.any(String),
        side: 'Buy',
        quantity: 1,
        entry_reason: 'adopted by reconciliation',
        take_profit: expect.any(String),
      },
    ]);
    expect(fixed.map((f) => [f.kind, f.entityType, f.entityId])).toEqual([
      ['MISSED_FILL', 'trade', null],
      ['POSITION_UNKNOWN_TO_DB', 'position', adopted[0].id],
    ]);
    expect(fixed[0].newValue).toMatchObject({ execId: trades[0].exec_id, orderLinkId: link });
    expect(Number((fixed[0].newValue as { qty: string }).qty)).toBe(1);
    expect(audit.map((a) => [a.kind, a.entity_type, a.entity_id])).toEqual([
      ['MISSED_FILL', 'trade', null],
      ['POSITION_UNKNOWN_TO_DB', 'position', adopted[0].id],
    ]);
  });

  it('ORDER_UNKNOWN_TO_DB: adopts an open exchange order with an orderLinkId, and leaves one without alone', async () => {
    const price = (Math.floor((await bestAsk('ETHUSDT')) * 0.5 * 100) / 100).toFixed(2);
    const keyed = await submit({
      category: 'linear',
      symbol: 'ETHUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.01',
      price,
      orderLinkId: 'int-foreign-resting-1',
    });
    const unkeyed = await submit({
      category: 'linear',
      symbol: 'ETHUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.01',
      price,
    });

    const { summary, fixed, audit } = await reconcile();

    expect(summary.fixes).toEqual({ ORDER_UNKNOWN_TO_DB: 1 });
    const rows = await sql<{ id: string; status: string; reason: string; exchange_order_id: string; price: number }>(
      `SELECT id, status, reason, exchange_order_id, price::float8 AS price FROM orders
        WHERE client_order_id = 'int-foreign-resting-1'`,
    );
    expect(rows).toEqual([
      {
        id: expect.any(String),
        status: 'Placed',
        reason: 'adopted by reconciliation',
        exchange_order_id: keyed,
        price: Number(price),
      },
    ]);
    expect(await sql(`SELECT count(*)::int AS n FROM orders WHERE exchange_order_id = $1`, [unkeyed])).toEqual([
      { n: 0 },
    ]);
    expect(fixed).toEqual([
      expect.objectContaining({
        kind: 'ORDER_UNKNOWN_TO_DB',
        entityId: rows[0].id,
        newValue: { status: 'New', orderId: keyed },
      }),
    ]);
    expect(audit.map((a) => [a.kind, a.entity_id])).toEqual([['ORDER_UNKNOWN_TO_DB', rows[0].id]]);
  });

  it("POSITION_DRIFT: aligns a position whose size changed behind the bot's back", async () => {
    // BTCUSDT holds 0.01 (the entry above); someone adds 0.01 by hand.
    await submit({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Market',
      qty: '0.01',
      orderLinkId: 'int-manual-add-1',
    });
    const [before] = await sql<{ id: string }>(`SELECT id FROM positions WHERE symbol = 'BTCUSDT' AND status = 'Open'`);

    const { summary, fixed, audit } = await reconcile();

    expect(summary.fixes).toEqual({ POSITION_DRIFT: 1 });
    expect(
      await sql(`SELECT id, quantity::float8 AS q FROM positions WHERE symbol = 'BTCUSDT' AND status = 'Open'`),
    ).toEqual([{ id: before.id, q: 0.02 }]);
    expect(fixed).toEqual([
      expect.objectContaining({
        kind: 'POSITION_DRIFT',
        entityId: before.id,
        oldValue: expect.objectContaining({ status: 'Open' }),
        newValue: expect.objectContaining({ status: 'Open' }),
      }),
    ]);
    const { oldValue, newValue } = fixed[0] as { oldValue: { quantity: string }; newValue: { quantity: string } };
    expect([Number(oldValue.quantity), Number(newValue.quantity)]).toEqual([0.01, 0.02]);
    expect(audit.map((a) => [a.kind, a.entity_id])).toEqual([['POSITION_DRIFT', before.id]]);
  });

  it('POSITION_CLOSED_ON_EXCHANGE: closes a position the exchange does not hold', async () => {
    const ghost = await openPosition('ETHUSDT', 'Sell', '0.5', '1500');

    const { summary, fixed, audit } = await reconcile();

    expect(summary.fixes).toEqual({ POSITION_CLOSED_ON_EXCHANGE: 1 });
    const [row] = await sql<{ status: string; exit_reason: string; quantity: number; history: Array<{ to: string }> }>(
      `SELECT status, exit_reason, quantity::float8 AS quantity, state_history AS history FROM positions WHERE id = $1`,
      [ghost],
    );
    expect(row).toMatchObject({ status: 'Closed', exit_reason: 'RECONCILED_FLAT', quantity: 0 });
    expect(row.history.map((h) => h.to)).toEqual(['Opening', 'Open', 'Closing', 'Closed']);
    expect(fixed).toEqual([
      expect.objectContaining({
        kind: 'POSITION_CLOSED_ON_EXCHANGE',
        entityId: ghost,
        oldValue: { status: 'Open', quantity: '0.5' },
        newValue: { status: 'Closed', quantity: '0' },
      }),
    ]);
    expect(audit.map((a) => [a.kind, a.entity_id])).toEqual([['POSITION_CLOSED_ON_EXCHANGE', ghost]]);
  });

  it('should find nothing to repair once the database agrees with the exchange', async () => {
    const { summary, fixed, audit } = await reconcile();

    expect(summary.fixes).toEqual({});
    expect(summary.checked).toMatchObject({ orders: 1, positions: 2 });
    expect(fixed).toEqual([]);
    expect(audit).toEqual([]);
  });

  it('should start its first run as soon as the exchange has started: an awaited signal, not a poll', async () => {
    const service = moduleRef.get(ReconciliationService);
    const runs = service.status().counters.runs;

    service.onApplicationBootstrap();
    await new Promise((resolve) => setImmediate(resolve));
    expect(service.status()).toMatchObject({ state: 'reconciled', counters: { runs } });

    await moduleRef.get(ExchangeConnectionService).start();
    // Already under way when start() returns (a 200 ms poll would still be asleep).
    expect(service.status().state).toBe('reconciling');
    await waitFor(() => service.status().counters.runs === runs + 1, 10_000, 'the startup run');
    expect(service.status().details.last).toMatchObject({ trigger: 'startup', success: true, fixes: {} });
  });
});
