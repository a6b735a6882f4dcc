import { createHmac } from 'node:crypto';
/**
 * BybitMarketStream and BybitPrivateStream against the simulator on loopback (src/simulator, in process).
 * Real: bybit-api WebsocketClient (heartbeat, reconnect, resubscribe, auth), ws sockets on 127.0.0.1, the
 * simulator's V5 WebSocket server (auth as BYBIT.md §7) and its market model and matching engine producing the
 * frames. Steered: the simulator drops the connections on demand; its traffic observer records what the client
 * sent; small ping/reconnect timings. Parsing of frames Bybit itself recorded is bybit-samples.int-spec.ts.
 */
import { BybitMarketStream } from '../../../src/exchange/bybit/bybit.market-stream';
import { BybitPrivateStream } from '../../../src/exchange/bybit/bybit.private-stream';
import type {
  BookMessage,
  CandleMessage,
  ConnectionStateChange,
  ExchangeOrder,
  TickerMessage,
  TradesMessage,
} from '../../../src/exchange/exchange.types';
import { ServerClock } from '../../../src/exchange/server-time';
import type { RunningSimulator } from '../../../src/simulator/simulator-runtime';
import { recordTraffic, SimulatorTraffic } from '../../support/simulator';
import { waitFor } from '../../support/wait-for';
import { API_KEY, API_SECRET, settingsFor, startExchangeSimulator } from './exchange-test-settings';

/** A market order sent to the simulator outside the streams under test (its fills are pushed to them). */
async function placeMarketOrder(sim: RunningSimulator, orderLinkId: string): Promise<{ retCode: number }> {
  const body = JSON.stringify({
    category: 'linear',
    symbol: 'BTCUSDT',
    side: 'Buy',
    orderType: 'Market',
    qty: '0.001',
    orderLinkId,
  });
  const timestamp = String(Date.now());
  const sign = createHmac('sha256', API_SECRET).update(`${timestamp}${API_KEY}5000${body}`).digest('hex');
  const response = await fetch(`${sim.restUrl}/v5/order/create`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-BAPI-API-KEY': API_KEY,
      'X-BAPI-TIMESTAMP': timestamp,
      'X-BAPI-RECV-WINDOW': '5000',
      'X-BAPI-SIGN': sign,
    },
    body,
  });
  return (await response.json()) as { retCode: number };
}

describe(BybitMarketStream.name, () => {
  let sim: RunningSimulator;
  let fake: SimulatorTraffic;
  let sut: BybitMarketStream;
  let books: BookMessage[];
  let states: ConnectionStateChange[];

  beforeEach(async () => {
    sim = await startExchangeSimulator();
    fake = recordTraffic(sim);
    sut = new BybitMarketStream(settingsFor(sim));
    books = [];
    states = [];
    sut.on('book', (m) => books.push(m));
    sut.on('connection', (c) => states.push(c));
  });

  afterEach(async () => {
    await sut.stop();
    fake.stop();
    await sim.stop();
  });

  it('should subscribe the configured topics and parse a snapshot then deltas', async () => {
    await sut.start();
    // The simulator's deltas follow the snapshot every few milliseconds.
    await waitFor(() => books.length >= 1, 5000, 'the snapshot');
    const subscribe = fake.publicMessages.find((m) => (m as { op?: string }).op === 'subscribe') as { args: string[] };
    expect(subscribe.args.sort()).toEqual([
      'kline.1.BTCUSDT',
      'orderbook.50.BTCUSDT',
      'publicTrade.BTCUSDT',
      'tickers.BTCUSDT',
    ]);
    expect(books[0]).toMatchObject({ type: 'snapshot', symbol: 'BTCUSDT', depth: 50 });
    expect(books[0].bids).toHaveLength(50);
    expect(books[0].bids[0]).toEqual([expect.stringMatching(/^\d+\.\d+$/), expect.stringMatching(/^\d+\.\d+$/)]);
    expect(sut.state()).toBe('connected');

    await waitFor(() => books.length >= 3, 2000, 'two deltas');
    const first = books[0].updateId;
    expect(books.slice(1, 3).map((b) => [b.type, b.updateId])).toEqual([
      ['delta', first + 1],
      ['delta', first + 2],
    ]);
  });

  it('should parse trades, candles and merge ticker deltas', async () => {
    const trades: TradesMessage[] = [];
    const tickers: TickerMessage[] = [];
    const candles: CandleMessage[] = [];
    sut.on('trades', (t) => trades.push(t));
    sut.on('ticker', (t) => tickers.push(t));
    sut.on('candle', (c) => candles.push(c));
    await sut.start();
    await waitFor(() => sut.state() === 'connected');
    // The simulator's market model trades, moves the current candle and the ticker on its own.
    await waitFor(
      () => trades.length >= 1 && candles.length >= 1 && tickers.length >= 2,
      10_000,
      'trades, candle and tickers',
    );
    const decimal = expect.stringMatching(/^\d+(\.\d+)?$/);
    expect(trades[0]).toMatchObject({ symbol: 'BTCUSDT' });
    expect(trades[0].trades[0]).toMatchObject({
      side: expect.stringMatching(/^(Buy|Sell)$/),
      price: decimal,
      size: decimal,
      time: expect.any(Number),
    });
    expect(candles[0]).toMatchObject({ symbol: 'BTCUSDT', open: decimal, close: decimal, confirm: false });
    // The first ticker is the snapshot; the next are deltas carrying only what changed, merged onto it.
    const fields = ['lastPrice', 'markPrice', 'indexPrice', 'bid1Price', 'ask1Price', 'fundingRate'] as const;
    for (const ticker of tickers.slice(0, 2)) for (const field of fields) expect(ticker[field]).toMatch(/^\d/);
    expect(tickers[1]).toMatchObject({
      symbol: 'BTCUSDT',
      fundingRate: tickers[0].fundingRate,
      nextFundingTime: tickers[0].nextFundingTime,
    });
  });

  it('should reconnect with back-off and resubscribe after the connection drops', async () => {
    await sut.start();
    await waitFor(() => books.length >= 1, 5000, 'the first snapshot');
    sim.control.dropConnections(); // as a network fault would: no close frame
    const snapshots = () => books.filter((b) => b.type === 'snapshot').length;
    await waitFor(() => snapshots() === 2, 5000, 'a snapshot after the reconnect');
    expect(fake.publicConnections).toBe(2);
    expect(fake.publicMessages.filter((m) => (m as { op?: string }).op === 'subscribe')).toHaveLength(2);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(states[2]).toMatchObject({ connection: 'bybit.public', previous: 'connected', attempt: 1 });
    expect(sut.stats().reconnects).toBe(1);
  });

  it('should answer heartbeats (the SDK pings, the simulator pongs) without reconnecting', async () => {
    await sut.start();
    await waitFor(() => sut.state() === 'connected');
    await new Promise((r) => setTimeout(r, 1300)); // > 2 ping intervals
    expect(fake.publicMessages.filter((m) => (m as { op?: string }).op === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(fake.publicConnections).toBe(1);
  });
});

describe(BybitPrivateStream.name, () => {
  let sim: RunningSimulator;
  let fake: SimulatorTraffic;

  beforeEach(async () => {
    sim = await startExchangeSimulator();
    fake = recordTraffic(sim);
  });
  afterEach(async () => {
    fake.stop();
    await sim.stop();
  });

  it('should authenticate, subscribe the private topics and parse order, execution, position and wallet', async () => {
    const sut = new BybitPrivateStream(settingsFor(sim), new ServerClock());
    const orders: ExchangeOrder[] = [];
    const seen: string[] = [];
    sut.on('order', (o) => orders.push(o));
    sut.on('execution', () => seen.push('execution'));
    sut.on('position', () => seen.push('position'));
    sut.on('wallet', () => seen.push('wallet'));
    try {
      await sut.start();
      await waitFor(() => sut.state() === 'connected', 5000, 'authenticated');
      await waitFor(
        () => fake.privateMessages.some((m) => (m as { op?: string }).op === 'subscribe'),
        2000,
        'subscribe',
      );
      const subscribe = fake.privateMessages.find((m) => (m as { op?: string }).op === 'subscribe') as {
        args: string[];
      };
      expect(subscribe.args.sort()).toEqual(['execution', 'order', 'position', 'wallet']);
      // A market order placed by another client of the account: its fill is pushed to every private stream.
      expect(await placeMarketOrder(sim, 'push-1')).toMatchObject({ retCode: 0 });
      await waitFor(() => seen.length === 3, 5000, 'execution, position and wallet');
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({
        orderLinkId: 'push-1',
        symbol: 'BTCUSDT',
        side: 'Buy',
        status: 'Filled',
        cumExecQty: '0.001',
        avgPrice: expect.stringMatching(/^\d+(\.\d+)?$/),
      });
      expect(seen).toEqual(['execution', 'position', 'wallet']);
    } finally {
      await sut.stop();
    }
  });

  it('should report auth-failed when the exchange refuses the signature', async () => {
    const sut = new BybitPrivateStream(settingsFor(sim, { apiSecret: 'wrong-secret' }), new ServerClock());
    try {
      await sut.start();
      await waitFor(() => sut.state() === 'auth-failed', 5000, 'auth-failed');
      expect(sut.stats().authFailures).toBe(1);
    } finally {
      await sut.stop();
    }
  });
});
