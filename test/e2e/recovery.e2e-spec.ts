import { RestClientV5 } from 'bybit-api';
import { Client } from 'pg';
import { PrivateStream } from '../../src/exchange/exchange.port';
import { PositionStateMachine } from '../../src/execution/domain/position.fsm';
import { OrderTracker } from '../../src/execution/order-tracker.service';
import { PositionRepository } from '../../src/execution/position.repository';
import { EventBus } from '../../src/infra/events/event-bus';
import { ReconciliationService } from '../../src/recovery/reconciliation.service';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { pendingEntry } from '../support/execution-rows';
import { checkConsistency } from '../support/venue-consistency';
import { waitFor } from '../support/wait-for';

/**
 * Reconciliation, discrepancy by discrepancy. Real: the whole app, PostgreSQL, the built-in simulator. Each test
 * makes the database and the exchange disagree the way a crash or a lost push would (the private stream is
 * stopped while the exchange changes, or rows are written without the exchange), runs a reconciliation, and
 * checks the repair, its audit row, and that the database then equals the exchange.
 */
describe('reconciliation: every discrepancy repaired through the state machines and audited', () => {
  let ctx: TestApp;
  let sdk: RestClientV5;

  const sql = async <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: ctx.database.url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const venue = () => ({
    restUrl: `http://127.0.0.1:${ctx.config.simulator.port}`,
    key: ctx.config.simulator.apiKey,
    secret: ctx.config.simulator.apiSecret,
    symbols: ctx.config.trading.pairs,
  });
  const reconcile = async () => {
    const summary = await ctx.app.get(ReconciliationService).reconcile('manual');
    await ctx.app.get(EventBus).drain();
    return summary;
  };
  /** The exchange changes while the bot hears nothing (a disconnection). */
  const whileDeaf = async (work: () => Promise<void>) => {
    const stream = ctx.app.get(PrivateStream);
    await stream.stop();
    try {
      await work();
    } finally {
      await stream.start();
    }
  };
  const bestAsk = async (symbol: string) => {
    const book = await sdk.getOrderbook({ category: 'linear', symbol, limit: 1 });
    return book.result.a[0][0];
  };

  beforeAll(async () => {
    // Entries off (bot not started); exits far away, so nothing but the test changes positions.
    ctx = await startTestApp({
      TRADING_PAIRS: 'BTCUSDT,ETHUSDT,SOLUSDT',
      MAX_HOLD_SECONDS: '36000',
      TAKE_PROFIT_PCT: '50',
      STOP_LOSS_PCT: '50',
      IMBALANCE_BUY_THRESHOLD: '1',
      IMBALANCE_SELL_THRESHOLD: '0',
    });
    await loginToken(ctx.baseUrl);
    sdk = new RestClientV5({
      key: ctx.config.simulator.apiKey,
      secret: ctx.config.simulator.apiSecret,
      baseUrl: venue().restUrl,
    });
    await reconcile();
  }, 60_000);
  afterAll(() => ctx.close());

  it('should fail a Pending order the exchange never received and close its empty position', async () => {
    const { order, positionId } = await writeAheadEntry('ETHUSDT', 'Buy', '0.01', 'Erecovery-never-sent-1');
    const summary = await reconcile();
    expect(summary.fixes.ORDER_NEVER_SENT).toBe(1);
    expect(await sql(`SELECT status FROM orders WHERE id = $1`, [order.id])).toEqual([{ status: 'Failed' }]);
    expect(await sql(`SELECT status, exit_reason FROM positions WHERE id = $1`, [positionId])).toEqual([
      { status: 'Closed', exit_reason: 'ENTRY_NOT_FILLED' },
    ]);
    const audit = await sql<{ new_value: { kind: string } | null; context: { kind: string } }>(
      `SELECT new_value, context FROM audit_logs WHERE action = 'RECONCILIATION_FIX' AND entity_id = $1`,
      [order.id],
    );
    expect(audit.map((a) => a.context.kind)).toEqual(['ORDER_NEVER_SENT']);
  });

  it('should apply a fill and a status missed while disconnected (a crash between send and acknowledgement)', async () => {
    const link = 'Erecovery-sent-not-acked-1';
    const { order, positionId } = await writeAheadEntry('BTCUSDT', 'Buy', '0.01', link);
    await whileDeaf(async () => {
      const placed = await sdk.submitOrder({
        category: 'linear',
        symbol: 'BTCUSDT',
        side: 'Buy',
        orderType: 'Market',
        qty: '0.01',
        orderLinkId: link,
      });
      expect(placed.retCode).toBe(0);
    });
    const summary = await reconcile();
    expect(summary.fixes.ORDER_STATUS_DRIFT).toBe(1);
    expect(summary.fixes.MISSED_FILL).toBeGreaterThanOrEqual(1);
    const [row] = await sql<{ status: string; filled: string; exchange_order_id: string }>(
      `SELECT status, filled_quantity::text AS filled, exchange_order_id FROM orders WHERE id = $1`,
      [order.id],
    );
    expect(row.status).toBe('Filled');
    expect(Number(row.filled)).toBe(0.01);
    expect(row.exchange_order_id).toBeTruthy();
    const [position] = await sql<{
      status: string;
      quantity: string;
      entry_price: string | null;
      history: Array<{ to: string }>;
    }>(`SELECT status, quantity::text, entry_price::text, state_history AS history FROM positions WHERE id = $1`, [
      positionId,
    ]);
    expect(position.status).toBe('Open');
    expect(Number(position.quantity)).toBe(0.01);
    expect(Number(position.entry_price)).toBeGreaterThan(0);
    expect(position.history.map((h) => h.to)).toEqual(['Opening', 'Open']);
    expect((await checkConsistency(ctx.database.url, venue())).problems).toEqual([]);
  });

  it('should align a position whose size drifted, and close one the exchange no longer holds', async () => {
    // BTCUSDT holds 0.01 (previous test). The exchange gets 0.01 more behind the bot's back.
    await whileDeaf(async () => {
      expect(
        (
          await sdk.submitOrder({
            category: 'linear',
            symbol: 'BTCUSDT',
            side: 'Buy',
            orderType: 'Market',
            qty: '0.01',
            orderLinkId: 'manual-add-1',
          })
        ).retCode,
      ).toBe(0);
    });
    // SOLUSDT: the database believes in a position the exchange never had.
    const ghost = await openPositionRow('SOLUSDT', 'Sell', '1', '150');
    const summary = await reconcile();
    expect(summary.fixes.POSITION_DRIFT).toBe(1);
    expect(summary.fixes.POSITION_CLOSED_ON_EXCHANGE).toBe(1);
    expect(
      await sql(`SELECT quantity::float8 AS q FROM positions WHERE symbol = 'BTCUSDT' AND status = 'Open'`),
    ).toEqual([{ q: 0.02 }]);
    expect(await sql(`SELECT status, exit_reason FROM positions WHERE id = $1`, [ghost])).toEqual([
      { status: 'Closed', exit_reason: 'RECONCILED_FLAT' },
    ]);
    const kinds = await sql<{ kind: string }>(
      `SELECT context->>'kind' AS kind FROM audit_logs WHERE action = 'RECONCILIATION_FIX' AND entity_id = $1`,
      [ghost],
    );
    expect(kinds).toEqual([{ kind: 'POSITION_CLOSED_ON_EXCHANGE' }]);
    // The manual (filled, not open) order is not the bot's: it is not adopted, its size lives in the position.
    expect((await checkConsistency(ctx.database.url, venue())).problems).toEqual([
      'exchange order manual-add-1 has 0 database rows',
    ]);
  });

  it('should adopt an open exchange order and a position the database does not know', async () => {
    const ask = Number(await bestAsk('ETHUSDT'));
    await whileDeaf(async () => {
      // A resting limit far below the market (stays open) and a filled market order: both unknown to the database.
      expect(
        (
          await sdk.submitOrder({
            category: 'linear',
            symbol: 'ETHUSDT',
            side: 'Buy',
            orderType: 'Limit',
            qty: '0.01',
            price: (Math.floor(ask * 0.5 * 100) / 100).toFixed(2),
            orderLinkId: 'foreign-resting-1',
          })
        ).retCode,
      ).toBe(0);
      expect(
        (
          await sdk.submitOrder({
            category: 'linear',
            symbol: 'ETHUSDT',
            side: 'Sell',
            orderType: 'Market',
            qty: '0.02',
            orderLinkId: 'foreign-market-1',
          })
        ).retCode,
      ).toBe(0);
    });
    const summary = await reconcile();
    expect(summary.fixes.ORDER_UNKNOWN_TO_DB).toBe(1);
    expect(summary.fixes.POSITION_UNKNOWN_TO_DB).toBe(1);
    expect(await sql(`SELECT status, reason FROM orders WHERE client_order_id = 'foreign-resting-1'`)).toEqual([
      { status: 'Placed', reason: 'adopted by reconciliation' },
    ]);
    const [adopted] = await sql<{ side: string; quantity: number; status: string; take_profit: string | null }>(
      `SELECT side, quantity::float8 AS quantity, status, take_profit::text FROM positions WHERE symbol = 'ETHUSDT' AND status = 'Open'`,
    );
    expect(adopted).toMatchObject({ side: 'Sell', quantity: 0.02, status: 'Open' });
    expect(adopted.take_profit).not.toBeNull();
    const run = await sql<{ success: boolean; new_value: { fixes: Record<string, number> } }>(
      `SELECT success, new_value FROM audit_logs WHERE action = 'RECONCILIATION_RUN' ORDER BY id DESC LIMIT 1`,
    );
    expect(run[0]).toMatchObject({
      success: true,
      new_value: { fixes: { ORDER_UNKNOWN_TO_DB: 1, POSITION_UNKNOWN_TO_DB: 1 } },
    });

    // The bot's own view now equals the exchange's (the foreign market order has no row: it is not ours, and it
    // is the adopted position that carries its size).
    const report = await checkConsistency(ctx.database.url, venue());
    expect(report.problems.sort()).toEqual([
      'exchange order foreign-market-1 has 0 database rows',
      'exchange order manual-add-1 has 0 database rows',
    ]);
  });

  it('should find nothing to repair when run again, and show its summary on /bot/status', async () => {
    const summary = await reconcile();
    expect(summary.success).toBe(true);
    expect(summary.fixes).toEqual({});
    const token = await loginToken(ctx.baseUrl);
    const status = (await (
      await fetch(`${ctx.baseUrl}/bot/status`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      participants: Record<string, { state: string; details?: { last?: { success: boolean; trigger: string } } }>;
    };
    expect(status.participants.recovery.state).toBe('reconciled');
    expect(status.participants.recovery.details?.last).toMatchObject({ success: true, trigger: 'manual' });
  });

  it('should close a live position by hand through the same exit path (MANUAL), and refuse bad or unknown ids', async () => {
    const token = await loginToken(ctx.baseUrl);
    const post = (path: string) =>
      fetch(`${ctx.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const [btc] = await sql<{ id: string }>(`SELECT id FROM positions WHERE symbol = 'BTCUSDT' AND status = 'Open'`);
    const accepted = await post(`/trading/positions/${btc.id}/close`);
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({
      id: btc.id,
      symbol: 'BTCUSDT',
      status: 'Closing',
      exitReason: 'MANUAL',
    });
    await waitFor(
      async () => (await sql<{ status: string }>(`SELECT status FROM positions WHERE id = $1`, [btc.id]))[0].status,
      {
        until: (status) => status === 'Closed',
        timeoutMs: 10_000,
        intervalMs: 100,
        what: 'the position closed',
      },
    );
    expect(
      await sql(`SELECT status, exit_reason, quantity::float8 AS q FROM positions WHERE id = $1`, [btc.id]),
    ).toEqual([{ status: 'Closed', exit_reason: 'MANUAL', q: 0 }]);
    await ctx.app.get(EventBus).drain();
    const actors = await sql<{ action: string; actor: string }>(
      `SELECT action, actor FROM audit_logs WHERE action = 'ORDER_CREATE' AND new_value->>'positionId' = $1`,
      [btc.id],
    );
    expect(actors).toEqual([{ action: 'ORDER_CREATE', actor: 'operator' }]);

    // Closed (a moment ago) is a conflict with the position's state; 404 is for an id that never existed.
    const again = await post(`/trading/positions/${btc.id}/close`);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'POSITION_NOT_OPEN', details: { id: btc.id, status: 'Closed' } });
    const unknown = await post('/trading/positions/00000000-0000-4000-8000-000000000000/close');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'POSITION_NOT_FOUND' });
    const bad = await post('/trading/positions/not-a-uuid/close');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^id: /);
  });

  async function writeAheadEntry(symbol: string, side: 'Buy' | 'Sell', qty: string, link: string) {
    const written = await pendingEntry(ctx.app, symbol, side, qty, link);
    return { order: written.order, positionId: written.positionId };
  }

  async function openPositionRow(symbol: string, side: 'Buy' | 'Sell', qty: string, entry: string): Promise<string> {
    const positions = ctx.app.get(PositionRepository);
    const opening = await positions.insertOpening({
      symbol,
      side,
      quantity: '0',
      stateHistory: PositionStateMachine.create({ cause: 'test', atMs: Date.now() }).history,
    });
    const open = await ctx.app
      .get(OrderTracker)
      .transitionPosition(
        opening,
        'Open',
        { cause: 'test', actor: 'bot' },
        { quantity: qty, entryPrice: entry, openedAt: new Date() },
      );
    return open.id;
  }
});
