import { RestClientV5 } from 'bybit-api';
import { Client } from 'pg';
import { OrderStateMachine } from '../../src/execution/domain/order.fsm';
import { PositionStateMachine } from '../../src/execution/domain/position.fsm';
import { ExecutionService } from '../../src/execution/execution.service';
import { OrderRepository } from '../../src/execution/order.repository';
import { OrderTracker } from '../../src/execution/order-tracker.service';
import { PositionRepository } from '../../src/execution/position.repository';
import { EventBus } from '../../src/infra/events/event-bus';
import { ReconciliationService } from '../../src/recovery/reconciliation.service';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { SIM_API_KEY, SIM_API_SECRET, startContractSimulator } from '../support/simulator';
import { waitFor } from '../support/wait-for';

/**
 * SPEC §12, several instances on one database: each symbol traded by exactly one of them. Real: two whole apps
 * (Fastify, PostgreSQL, the exchange clients), one shared database, the built-in simulator (one per app in the
 * first part; one shared account in the second, as two instances on one Bybit account would be).
 */
describe('several instances on one database: each symbol traded by one instance at a time', () => {
  let database: TestDatabase;
  const apps: TestApp[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const onCleanup = (step: () => Promise<void>) => void cleanups.push(step);

  const sql = async <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  async function anInstance(
    name: string,
    env: Record<string, string> = {},
  ): Promise<{
    app: TestApp;
    call: (method: string, path: string) => Promise<{ status: number; body: Record<string, any> }>;
  }> {
    const app = await startTestApp({ INSTANCE_NAME: name, SYMBOL_LEASE_CHECK_MS: '200', ...env }, { database });
    apps.push(app);
    const auth = { authorization: `Bearer ${await loginToken(app.baseUrl)}` };
    const call = async (method: string, path: string) => {
      const response = await fetch(`${app.baseUrl}${path}`, { method, headers: auth });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    return { app, call };
  }

  const eventually = <T>(read: () => Promise<T>, until: (value: T) => boolean, what: string, timeoutMs = 10_000) =>
    waitFor(read, { until, what, timeoutMs, intervalMs: 50 });

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: true });
  });
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close();
    for (const step of cleanups.splice(0).reverse()) await step();
  });
  afterAll(() => database.drop());

  it('should refuse to trade symbols another instance holds, and take them over when it goes away', async () => {
    const first = await anInstance('bot-a', { TRADING_PAIRS: 'BTCUSDT' });
    await eventually(
      () => first.call('GET', '/bot/status'),
      (s) => s.body.participants.recovery.state === 'reconciled',
      'first instance reconciled',
    );
    const standby = await anInstance('bot-b', { TRADING_PAIRS: 'BTCUSDT' });

    const waiting = await eventually(
      () => standby.call('GET', '/bot/status'),
      (s) => s.body.participants.ownership.state === 'waiting',
      'standby waits',
    );
    expect(waiting.body.participants.ownership.details).toMatchObject({
      instance: 'bot-b',
      symbols: ['BTCUSDT'],
      holders: { BTCUSDT: 'bot-a' },
    });
    expect(waiting.body.participants.recovery.state).toBe('waiting-for-ownership');
    const refused = await standby.call('POST', '/bot/start');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'START_REFUSED',
      message:
        'Bot could not start: BTCUSDT: traded by another instance (BTCUSDT by bot-a); this instance takes over when it lets go',
      details: { symbols: ['BTCUSDT'], holders: { BTCUSDT: 'bot-a' } },
    });
    expect((await standby.call('GET', '/bot/status')).body).toMatchObject({
      state: 'stopped',
      counters: { failed_starts: 1 },
    });
    expect((await first.call('POST', '/bot/start')).status).toBe(200);
    // The standby ran no reconciliation: only the holder compares the database with the exchange.
    expect(standby.app.app.get(ReconciliationService).status().counters.runs).toBe(0);

    await first.app.close();

    const took = await eventually(
      () => standby.call('GET', '/bot/status'),
      (s) => s.body.participants.recovery.state === 'reconciled',
      'standby took over and reconciled',
    );
    expect(took.body.participants.ownership).toMatchObject({
      state: 'owned',
      counters: { acquisitions: 1, losses: 0 },
    });
    expect(took.body.participants.recovery.details.last).toMatchObject({ trigger: 'ownership', success: true });
    expect((await standby.call('POST', '/bot/start')).status).toBe(200);
    await standby.app.app.get(EventBus).drain();
    const audited = await sql<{ actor: string; state: string; reason: string }>(
      `SELECT actor, new_value->>'state' AS state, reason FROM audit_logs WHERE action = 'SYMBOL_OWNERSHIP_CHANGE' AND entity_type = 'symbol' AND entity_id = 'BTCUSDT' ORDER BY timestamp, id`,
    );
    expect(audited).toEqual([
      { actor: 'bot-a', state: 'acquired', reason: 'lease acquired' },
      { actor: 'bot-b', state: 'acquired', reason: 'lease taken over' },
    ]);
  });

  it('should pause trading at once when its lease is lost, and reconcile before trading again', async () => {
    const instance = await anInstance('bot-c', { TRADING_PAIRS: 'ETHUSDT' });
    await eventually(
      () => instance.call('GET', '/bot/status'),
      (s) => s.body.participants.recovery.state === 'reconciled',
      'reconciled',
    );
    expect((await instance.call('POST', '/bot/start')).status).toBe(200);
    const runsBefore = instance.app.app.get(ReconciliationService).status().counters.runs;

    await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bot-c'`);

    const paused = await eventually(
      () => instance.call('GET', '/bot/status'),
      (s) => s.body.participants.execution.state !== 'trading',
      'execution paused',
    );
    expect(paused.body.participants.execution.details.paused).toBe('reconciling');
    const resumed = await eventually(
      () => instance.call('GET', '/bot/status'),
      (s) => s.body.participants.execution.state === 'trading',
      'trading again after the lease came back',
    );
    expect(resumed.body.participants.ownership).toMatchObject({
      state: 'owned',
      counters: { acquisitions: 2, losses: 1 },
    });
    expect(resumed.body.participants.recovery.details.last).toMatchObject({ trigger: 'ownership', success: true });
    expect(instance.app.app.get(ReconciliationService).status().counters.runs).toBe(runsBefore + 1);
    await instance.app.app.get(EventBus).drain();
    const audited = await sql<{ state: string; success: boolean }>(
      `SELECT new_value->>'state' AS state, success FROM audit_logs WHERE action = 'SYMBOL_OWNERSHIP_CHANGE' AND actor = 'bot-c' ORDER BY timestamp, id`,
    );
    expect(audited).toEqual([
      { state: 'acquired', success: true },
      { state: 'lost', success: false },
      { state: 'acquired', success: true },
    ]);
  });

  it('should leave another instance’s symbols alone on a shared account: its rows are not reconciled, its pushes not tracked', async () => {
    // One simulated account (one simulator outside both apps) trading both symbols; one instance per symbol.
    const venue = await startContractSimulator();
    const account = { SIM_IN_PROCESS: 'false', SIM_PORT: String(venue.port), SIM_API_KEY, SIM_API_SECRET };
    onCleanup(() => venue.stop());
    const btc = await anInstance('bot-btc', { TRADING_PAIRS: 'BTCUSDT', ...account });
    const eth = await anInstance('bot-eth', { TRADING_PAIRS: 'ETHUSDT', ...account });
    for (const instance of [btc, eth]) {
      await eventually(
        () => instance.call('GET', '/bot/status'),
        (s) => s.body.participants.recovery.state === 'reconciled',
        'both reconciled',
      );
    }
    // bot-btc's write-ahead entry (Pending, not sent yet) and a position it holds; neither is bot-eth's business.
    const atMs = Date.now();
    const pending = await btc.app.app.get(OrderRepository).insertEntry(
      {
        symbol: 'BTCUSDT',
        side: 'Buy',
        quantity: '0',
        traceId: 'own-1',
        stateHistory: PositionStateMachine.create({ cause: 'test', atMs }).history,
      },
      {
        clientOrderId: 'Eownership-pending-1',
        symbol: 'BTCUSDT',
        side: 'Buy',
        orderType: 'Market',
        timeInForce: 'IOC',
        quantity: '0.01',
        traceId: 'own-1',
        stateHistory: OrderStateMachine.create({ cause: 'test', atMs }).history,
      },
    );
    const opening = await btc.app.app.get(PositionRepository).insertOpening({
      symbol: 'BTCUSDT',
      side: 'Sell',
      quantity: '0',
      stateHistory: PositionStateMachine.create({ cause: 'test', atMs }).history,
    });
    const held = await btc.app.app
      .get(OrderTracker)
      .transitionPosition(
        opening,
        'Open',
        { cause: 'test', actor: 'bot' },
        { quantity: '0.01', entryPrice: '60000', openedAt: new Date() },
      );

    const ethRun = await eth.app.app.get(ReconciliationService).reconcile('manual');

    expect(ethRun).toMatchObject({ success: true, fixes: {} });
    expect(ethRun.checked).toMatchObject({ orders: 0, positions: 0 });
    expect(await sql(`SELECT status FROM orders WHERE id = $1`, [pending.order.id])).toEqual([{ status: 'Pending' }]);
    expect(await sql(`SELECT status FROM positions WHERE id = $1`, [held.id])).toEqual([{ status: 'Open' }]);

    // A BTCUSDT fill on the shared account reaches bot-eth's private stream too; bot-eth does not track it.
    const ignoredBefore = eth.app.app.get(ExecutionService).status().counters.pushes_ignored;
    const sdk = new RestClientV5({ key: SIM_API_KEY, secret: SIM_API_SECRET, baseUrl: venue.restUrl });
    expect(
      (
        await sdk.submitOrder({
          category: 'linear',
          symbol: 'BTCUSDT',
          side: 'Buy',
          orderType: 'Market',
          qty: '0.01',
          orderLinkId: 'Eownership-pending-1',
        })
      ).retCode,
    ).toBe(0);
    await eventually(
      async () => eth.app.app.get(ExecutionService).status().counters.pushes_ignored,
      (n) => n >= ignoredBefore + 2,
      'bot-eth ignored the order and execution pushes',
    );
    // bot-btc, the owner, applies them to its row.
    await eventually(
      () => sql<{ status: string }>(`SELECT status FROM orders WHERE id = $1`, [pending.order.id]),
      (rows) => rows[0]?.status === 'Filled',
      'bot-btc applied the fill',
    );

    // The owner's own reconciliation does see its rows: the Sell the exchange does not hold is closed.
    const btcRun = await btc.app.app.get(ReconciliationService).reconcile('manual');
    expect(btcRun).toMatchObject({ success: true, fixes: { POSITION_CLOSED_ON_EXCHANGE: 1 } });
    expect(await sql(`SELECT status, exit_reason FROM positions WHERE id = $1`, [held.id])).toEqual([
      { status: 'Closed', exit_reason: 'RECONCILED_FLAT' },
    ]);
  });
});
