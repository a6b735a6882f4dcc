import { RestClientV5 } from 'bybit-api';
import { PrivateStream } from '../../src/exchange/exchange.port';
import { EventBus } from '../../src/infra/events/event-bus';
import { ReconciliationService } from '../../src/recovery/reconciliation.service';
import type { RecoveryEvents } from '../../src/recovery/recovery.events';
import { startTestApp, TestApp } from '../support/app';
import { checkConsistency } from '../support/venue-consistency';
import { pendingEntry, queryRows } from '../support/execution-rows';
import { simPost, sleep } from './realtime-support';

type Completed = RecoveryEvents['recovery.completed'];

/**
 * The private stream drops (the simulator closes every WebSocket) while an order of the bot fills: the fill's pushes
 * are lost, and only a reconciliation after the reconnect can tell the database. Real: the whole app, PostgreSQL,
 * the in-process simulator; the order is sent with the SDK under the bot's orderLinkId (a send whose ack was lost).
 */
describe('realtime reliability: reconciliation after every private-stream reconnect', () => {
  let ctx: TestApp;
  let sdk: RestClientV5;
  const completed: Completed[] = [];

  const sql = <T>(text: string, params: unknown[] = []) => queryRows<T>(ctx.database.url, text, params);
  const connectedAgain = async () => {
    const stream = ctx.app.get(PrivateStream);
    const deadline = Date.now() + 10_000;
    while (stream.state() === 'connected' && Date.now() < deadline) await sleep(5);
    while (stream.state() !== 'connected' && Date.now() < deadline) await sleep(20);
    expect(stream.state()).toBe('connected');
  };
  const reconnectRuns = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while (completed.filter((c) => c.trigger === 'reconnect').length < count && Date.now() < deadline) await sleep(50);
    await ctx.app.get(EventBus).drain();
    return completed.filter((c) => c.trigger === 'reconnect');
  };

  beforeAll(async () => {
    ctx = await startTestApp({
      TRADING_PAIRS: 'BTCUSDT,ETHUSDT',
      // Entries off (bot not started), exits far away: only the test changes positions.
      MAX_HOLD_SECONDS: '36000',
      TAKE_PROFIT_PCT: '50',
      STOP_LOSS_PCT: '50',
      // The fill must land while the socket is down: reconnect no sooner than 1.5 s.
      BYBIT_WS_RECONNECT_BASE_MS: '1500',
    });
    sdk = new RestClientV5({
      key: ctx.config.simulator.apiKey,
      secret: ctx.config.simulator.apiSecret,
      baseUrl: `http://127.0.0.1:${ctx.config.simulator.port}`,
    });
    await ctx.app.get(ReconciliationService).reconcile('manual');
    ctx.app.get(EventBus).on('recovery.completed', (event) => {
      completed.push(event);
    });
  }, 60_000);
  afterAll(() => ctx.close());

  it('should reconcile after each reconnect and record a fill whose pushes were lost', async () => {
    const link = 'Ereliability-fill-while-down-1';
    const { order, positionId } = await pendingEntry(ctx.app, 'BTCUSDT', 'Buy', '0.01', link);

    const reconnected = connectedAgain();
    await simPost(ctx, '/sim/ws/drop');
    const placed = await sdk.submitOrder({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Market',
      qty: '0.01',
      orderLinkId: link,
    });
    expect(placed.retCode).toBe(0);
    await reconnected;

    const [run] = await reconnectRuns(1);
    expect(run).toMatchObject({ trigger: 'reconnect', success: true });
    expect(await sql(`SELECT status, filled_quantity::float8 AS q FROM orders WHERE id = $1`, [order.id])).toEqual([
      { status: 'Filled', q: 0.01 },
    ]);
    expect(await sql(`SELECT status, quantity::float8 AS q FROM positions WHERE id = $1`, [positionId])).toEqual([
      { status: 'Open', q: 0.01 },
    ]);
    const venue = {
      restUrl: `http://127.0.0.1:${ctx.config.simulator.port}`,
      key: ctx.config.simulator.apiKey,
      secret: ctx.config.simulator.apiSecret,
      symbols: ctx.config.trading.pairs,
    };
    expect((await checkConsistency(ctx.database.url, venue)).problems).toEqual([]);

    // And again: every reconnect, not only the first.
    const again = connectedAgain();
    await simPost(ctx, '/sim/ws/drop');
    await again;
    expect(await reconnectRuns(2)).toHaveLength(2);
  });
});
