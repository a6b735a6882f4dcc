import { Client } from 'pg';
import { fromUnits } from '../../src/common/ticks';
import { CircuitBreakerRegistry } from '../../src/exchange/resilience/circuit-breaker.registry';
import { InstrumentsService } from '../../src/exchange/instruments.service';
import { OrderStateMachine } from '../../src/execution/domain/order.fsm';
import { ExecutionService } from '../../src/execution/execution.service';
import { OrderRepository } from '../../src/execution/order.repository';
import { OrderTracker } from '../../src/execution/order-tracker.service';
import { EventBus } from '../../src/infra/events/event-bus';
import { OrderBookService } from '../../src/order-book/order-book.service';
import type { Signal } from '../../src/strategy/domain/signal';
import { aSignal } from '../factories/signal.factory';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { checkConsistency } from '../support/venue-consistency';
import { waitFor as poll } from '../support/wait-for';

/**
 * Execution end to end. Real: the whole app on Fastify, PostgreSQL, the built-in simulator on loopback (REST and
 * both WebSockets), the bot's own client with its limiters and breakers. The strategy is switched off
 * (impossible thresholds) so the only signals are the ones each test delivers, built like ImbalanceStrategy's.
 */
const QUIET_STRATEGY = {
  IMBALANCE_BUY_THRESHOLD: '1',
  IMBALANCE_SELL_THRESHOLD: '0',
  MIN_CLUSTER_VOLUME: '1000000000000',
};

/** The shared poll with this file's argument order (read, until, timeout, what) and cadence. */
const waitFor = <T>(read: () => Promise<T> | T, until: (value: T) => boolean, timeoutMs = 15_000, what?: string) =>
  poll(read, { until, timeoutMs, what, intervalMs: 100 });

async function sql<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A signal at the executable price of the live book (Buy at the ask, Sell at the bid). */
async function liveSignal(
  ctx: TestApp,
  symbol: string,
  side: 'Buy' | 'Sell',
  overrides: Partial<Signal> = {},
): Promise<Signal> {
  const books = ctx.app.get(OrderBookService);
  const book = await waitFor(
    () => books.book(symbol),
    (b) => b !== undefined && Number.isFinite(b.bestAsk) && Number.isFinite(b.bestBid),
    15_000,
    `${symbol} book`,
  );
  const tickSize = ctx.app.get(InstrumentsService).require(symbol).tickSize;
  return aSignal({
    symbol,
    side,
    price: fromUnits(side === 'Buy' ? book!.bestAsk : book!.bestBid, tickSize),
    ...overrides,
  });
}

async function startTrading(ctx: TestApp, token: string): Promise<void> {
  const response = await fetch(`${ctx.baseUrl}/bot/start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
}

function venueOf(ctx: TestApp) {
  return {
    restUrl: `http://127.0.0.1:${ctx.config.simulator.port}`,
    key: ctx.config.simulator.apiKey,
    secret: ctx.config.simulator.apiSecret,
    symbols: ctx.config.trading.pairs,
  };
}

describe('execution: signal → risk → write-ahead → exchange → fills → exits', () => {
  let ctx: TestApp;
  let token: string;
  const get = async (path: string) =>
    (await fetch(`${ctx.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<
      Record<string, unknown>
    >;

  beforeAll(async () => {
    ctx = await startTestApp({
      ...QUIET_STRATEGY,
      TRADING_PAIRS: 'BTCUSDT,ETHUSDT,SOLUSDT',
      MAX_HOLD_SECONDS: '2',
      TAKE_PROFIT_PCT: '5',
      STOP_LOSS_PCT: '5',
    });
    token = await loginToken(ctx.baseUrl);
    await startTrading(ctx, token);
  }, 60_000);
  afterAll(() => ctx.close());

  it('should place one exchange order for a signal delivered twice at once, and none when it comes back after a restart', async () => {
    const signal = await liveSignal(ctx, 'BTCUSDT', 'Buy');
    const execution = ctx.app.get(ExecutionService);
    const work: Array<Promise<void>> = [];
    const first = execution.onSignal(signal, (w) => work.push(w));
    const second = execution.onSignal(signal, (w) => work.push(w));
    expect([first, second]).toEqual(['sent', 'duplicate']);
    await Promise.all(work);

    const link = `E${signal.id}`;
    const rows = await waitFor(
      () =>
        sql<{ status: string; filled: string }>(
          ctx.database.url,
          `SELECT status, filled_quantity::text AS filled FROM orders WHERE client_order_id = $1`,
          [link],
        ),
      (r) => r.length === 1 && r[0].status === 'Filled' && Number(r[0].filled) > 0,
      15_000,
      'the entry to fill',
    );
    expect(rows).toHaveLength(1);
    // Closed on time (MAX_HOLD_SECONDS=2) by a reduce-only exit.
    const [position] = await waitFor(
      () =>
        sql<{ status: string; exit_reason: string }>(
          ctx.database.url,
          `SELECT p.status, p.exit_reason FROM positions p JOIN orders o ON o.position_id = p.id WHERE o.client_order_id = $1`,
          [link],
        ),
      (r) => r[0]?.status === 'Closed',
      15_000,
      'the position to close',
    );
    expect(position.exit_reason).toBe('MAX_HOLD_TIME');

    // A new life of the process: the in-memory guard is gone, the database's unique orderLinkId is not.
    ctx = await ctx.restart();
    token = await loginToken(ctx.baseUrl);
    await startTrading(ctx, token);
    const again: Array<Promise<void>> = [];
    expect(ctx.app.get(ExecutionService).onSignal(signal, (w) => again.push(w))).toBe('sent');
    await Promise.all(again);
    expect(await sql(ctx.database.url, `SELECT 1 FROM orders WHERE client_order_id = $1`, [link])).toHaveLength(1);

    const report = await checkConsistency(ctx.database.url, venueOf(ctx));
    expect(report.problems).toEqual([]);
    expect(report.exchangeOrders).toBe(2); // the entry and its exit, nothing else
    const stats = await get('/trading/execution-stats');
    expect(stats.duplicatesSuppressed).toBe(1);
  }, 90_000);

  it('should let exactly one of three concurrent write-aheads of the same signal through (the unique orderLinkId)', async () => {
    const orders = ctx.app.get(OrderRepository);
    const link = `Econcurrent-${Date.now().toString(36)}`;
    const entry = () =>
      orders.insertEntry(
        { symbol: 'SOLUSDT', side: 'Buy', quantity: '0', traceId: link, stateHistory: [] },
        {
          clientOrderId: link,
          symbol: 'SOLUSDT',
          side: 'Buy',
          orderType: 'Market',
          quantity: '0.1',
          traceId: link,
          stateHistory: OrderStateMachine.create({ cause: 'test', atMs: Date.now() }).history,
        },
      );
    const results = await Promise.allSettled([entry(), entry(), entry()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected'))
      expect(r.reason).toMatchObject({ code: 'DUPLICATE_CLIENT_ORDER_ID', kind: 'CONFLICT' });
    // The refused statements left no orphan position behind: one statement, all or nothing.
    expect(await sql(ctx.database.url, `SELECT 1 FROM positions WHERE trace_id = $1`, [link])).toHaveLength(1);
    const written = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ order: { id: string } }>)
      .value;
    await ctx.app
      .get(OrderTracker)
      .markNeverSent(await orders.findById(written.order.id).then((o) => o!), 'test cleanup', 'bot');
  });

  it('should track fills, PnL and context, and serve balance, positions and execution stats', async () => {
    const signal = await liveSignal(ctx, 'ETHUSDT', 'Sell');
    const done: Array<Promise<void>> = [];
    expect(ctx.app.get(ExecutionService).onSignal(signal, (w) => done.push(w))).toBe('sent');
    await Promise.all(done);
    const positions = await waitFor(
      () => get('/trading/positions'),
      (b) => (b.positions as Array<{ status: string }>).some((p) => p.status === 'Open'),
      15_000,
      'an open position',
    );
    const open = (positions.positions as Array<Record<string, unknown>>).find((p) => p.symbol === 'ETHUSDT')!;
    expect(open).toMatchObject({ side: 'Sell', status: 'Open', signalId: signal.id });
    expect(Number(open.quantity)).toBeGreaterThan(0);
    expect(Number(open.entryPrice)).toBeGreaterThan(0);
    expect(typeof open.unrealizedPnl).toBe('string');

    const balance = await get('/trading/balance');
    expect(balance.accountType).toBe('UNIFIED');
    expect(Number(balance.equityUsdt)).toBeGreaterThan(0);

    const [closed] = await waitFor(
      () =>
        sql<Record<string, string>>(
          ctx.database.url,
          `SELECT status, exit_reason, realized_pnl::text AS pnl, fees::text AS fees, entry_price::text AS entry, exit_price::text AS exit, quantity::text AS qty, signal_data, exit_market_data FROM positions WHERE trace_id = $1`,
          [signal.id],
        ),
      (r) => r[0]?.status === 'Closed',
      15_000,
      'the exit',
    );
    expect(Number(closed.qty)).toBe(0);
    expect(Number(closed.fees)).toBeGreaterThan(0);
    // Net PnL of a short: (entry − exit) × size − fees, as the simulator's own executions say.
    const fills = await sql<{ side: string; price: string; quantity: string; fee: string }>(
      ctx.database.url,
      `SELECT t.side, t.price::text, t.quantity::text, t.fee::text FROM trades t JOIN orders o ON o.id = t.order_id WHERE o.trace_id = $1`,
      [signal.id],
    );
    const gross = fills.reduce(
      (sum, f) => sum + (f.side === 'Sell' ? 1 : -1) * Number(f.price) * Number(f.quantity),
      0,
    );
    const fees = fills.reduce((sum, f) => sum + Number(f.fee), 0);
    expect(Number(closed.pnl)).toBeCloseTo(gross - fees, 6);
    expect(closed.signal_data).toMatchObject({ id: signal.id, side: 'Sell' });
    expect(closed.exit_market_data).toHaveProperty('bestAsk');

    const audit = await sql<{ action: string }>(
      ctx.database.url,
      `SELECT action FROM audit_logs WHERE trace_id = $1 ORDER BY id`,
      [signal.id],
    );
    const actions = audit.map((a) => a.action);
    for (const action of [
      'ORDER_CREATE',
      'ORDER_STATUS_CHANGE',
      'ORDER_FILL',
      'POSITION_OPEN',
      'POSITION_UPDATE',
      'POSITION_CLOSE',
    ])
      expect(actions).toContain(action);

    const stats = await get('/trading/execution-stats');
    expect(stats.ordersFilled).toBeGreaterThanOrEqual(2);
    expect(stats.fillRatio).toBeGreaterThan(0);
    expect((stats.signalToSendMs as { count: number }).count).toBeGreaterThanOrEqual(1);
    expect((stats.signalToFillMs as { p50: number }).p50).toBeGreaterThan(0);
    expect((stats.slippageBps as { count: number }).count).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('should never hit the exchange rate limit under a burst of 100 order sends: the limiter queues or fails them locally', async () => {
    const orders = ctx.app.get(OrderRepository);
    const tracker = ctx.app.get(OrderTracker);
    const created = [];
    for (let i = 0; i < 100; i += 1) {
      const link = `burst-${Date.now().toString(36)}-${i}`;
      created.push(
        await orders.insertPending({
          clientOrderId: link,
          symbol: 'SOLUSDT',
          side: i % 2 === 0 ? 'Buy' : 'Sell',
          orderType: 'Market',
          timeInForce: 'IOC',
          quantity: '0.1',
          traceId: link,
          stateHistory: OrderStateMachine.create({ cause: 'burst test', atMs: Date.now() }).history,
        }),
      );
    }
    await Promise.all(created.map((order) => tracker.send(order, 'order-acked')));
    await ctx.app.get(ExecutionService).drain();
    const rows = await sql<{ status: string; error_message: string | null; state_history: unknown }>(
      ctx.database.url,
      `SELECT status, error_message, state_history FROM orders WHERE client_order_id LIKE 'burst-%'`,
    );
    expect(rows).toHaveLength(100);
    expect(rows.filter((r) => (r.error_message ?? '').includes('10006'))).toEqual([]);
    expect(rows.filter((r) => r.status === 'Pending')).toEqual([]);
    const failedLocally = rows.filter((r) => r.status === 'Failed');
    for (const row of failedLocally) expect(row.error_message).toMatch(/rate-limit token/);
    expect(rows.filter((r) => r.status !== 'Failed').length).toBeGreaterThan(0);
  }, 60_000);
});

describe('execution under exchange faults: the breaker stops entries, exits keep trying', () => {
  let ctx: TestApp;
  beforeAll(async () => {
    ctx = await startTestApp({
      ...QUIET_STRATEGY,
      TRADING_PAIRS: 'BTCUSDT,ETHUSDT,SOLUSDT',
      MAX_HOLD_SECONDS: '1',
      TAKE_PROFIT_PCT: '5',
      STOP_LOSS_PCT: '5',
      CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2',
      CIRCUIT_BREAKER_COOLDOWN_SECONDS: '2',
      EXCHANGE_READ_RETRIES: '0',
    });
    await startTrading(ctx, await loginToken(ctx.baseUrl));
  }, 60_000);
  afterAll(() => ctx.close());

  const setFaults = (faults: Record<string, unknown>) =>
    fetch(`http://127.0.0.1:${ctx.config.simulator.port}/sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });

  it('should open the trade breaker on 5xx, refuse entries while it is open, and still close the position afterwards', async () => {
    const execution = ctx.app.get(ExecutionService);
    const entry = await liveSignal(ctx, 'BTCUSDT', 'Buy');
    const placed: Array<Promise<void>> = [];
    expect(execution.onSignal(entry, (w) => placed.push(w))).toBe('sent');
    await Promise.all(placed);
    await waitFor(
      () => sql<{ status: string }>(ctx.database.url, `SELECT status FROM positions WHERE trace_id = $1`, [entry.id]),
      (r) => r[0]?.status === 'Open',
      10_000,
      'open',
    );

    expect((await setFaults({ httpErrorRate: 1 })).status).toBe(200);
    // Two entries that meet 503s: the trade breaker opens after the threshold (2).
    for (const [i, symbol] of ['ETHUSDT', 'SOLUSDT'].entries()) {
      const failing = await liveSignal(ctx, symbol, 'Buy');
      const work: Array<Promise<void>> = [];
      execution.onSignal(failing, (w) => work.push(w));
      // The send is answered (503) before the write-ahead row is settled: its outcome stays unknown while the
      // exchange cannot be asked; the REST poll settles it once the exchange is back.
      await waitFor(
        () =>
          ctx.app
            .get(CircuitBreakerRegistry)
            .status()
            .find((b) => b.group === 'trade')!.consecutiveFailures,
        (n) => n >= i + 1,
        10_000,
        'the 503',
      );
      void work;
    }
    const breakers = ctx.app.get(CircuitBreakerRegistry);
    expect(breakers.state('trade')).toBe('OPEN');
    const blocked = await liveSignal(ctx, 'ETHUSDT', 'Buy');
    expect(execution.onSignal(blocked)).toBe('rejected');
    await ctx.app.get(EventBus).drain();
    const rejection = await waitFor(
      () =>
        sql<{ reason: string }>(
          ctx.database.url,
          `SELECT reason FROM audit_logs WHERE action = 'RISK_REJECTION' AND trace_id = $1`,
          [blocked.id],
        ),
      (r) => r.length === 1,
      5000,
      'the rejection row',
    );
    expect(rejection[0].reason).toBe('BREAKER_OPEN');

    // The held position passed its hold time while the exchange failed: exits were tried, and kept being tried.
    await waitFor(
      () =>
        sql<{ n: number }>(ctx.database.url, `SELECT exit_attempts AS n FROM positions WHERE trace_id = $1`, [
          entry.id,
        ]),
      (r) => r[0]?.n >= 2,
      20_000,
      'repeated exit attempts',
    );
    expect((await setFaults({ httpErrorRate: 0 })).status).toBe(200);
    const [closed] = await waitFor(
      () =>
        sql<{ status: string; exit_reason: string }>(
          ctx.database.url,
          `SELECT status, exit_reason FROM positions WHERE trace_id = $1`,
          [entry.id],
        ),
      (r) => r[0]?.status === 'Closed',
      30_000,
      'the exit once the exchange is back',
    );
    expect(closed.exit_reason).toBe('MAX_HOLD_TIME');
    // The entries refused by 503s were never created: the REST poll marks them Failed once it can ask.
    const report = await waitFor(
      () => checkConsistency(ctx.database.url, venueOf(ctx)),
      (r) => r.problems.length === 0,
      45_000,
      'database = exchange',
    );
    expect(report.problems).toEqual([]);
    const entries = await sql<{ status: string }>(
      ctx.database.url,
      `SELECT status FROM orders WHERE reduce_only = false ORDER BY created_at`,
    );
    expect(entries.map((e) => e.status)).toEqual(['Filled', 'Failed', 'Failed']);
    // Nothing of the refused entries is left holding a symbol.
    expect(await sql(ctx.database.url, `SELECT 1 FROM positions WHERE status <> 'Closed'`)).toEqual([]);
  }, 150_000);
});
