/**
 * BybitMarketStream and BybitPrivateStream against a loopback fake.
 * Real: bybit-api WebsocketClient (heartbeat, reconnect, resubscribe, auth), ws sockets on 127.0.0.1.
 * Faked: the venue (sample frames from shared/data/bybit/v5-samples), small ping/reconnect timings.
 */
import { BybitMarketStream } from '../../../src/exchange/bybit/bybit.market-stream';
import { BybitPrivateStream } from '../../../src/exchange/bybit/bybit.private-stream';
import type {
  BookMessage,
  ConnectionStateChange,
  ExchangeOrder,
  TickerMessage,
} from '../../../src/exchange/exchange.types';
import { ServerClock } from '../../../src/exchange/server-time';
import { FakeBybit, sample } from '../../support/fake-bybit';
import { waitFor } from '../../support/wait-for';
import { API_KEY, API_SECRET, settingsFor } from './exchange-test-settings';

describe(BybitMarketStream.name, () => {
  let fake: FakeBybit;
  let sut: BybitMarketStream;
  let books: BookMessage[];
  let states: ConnectionStateChange[];

  beforeEach(async () => {
    fake = await new FakeBybit({ apiKey: API_KEY, apiSecret: API_SECRET }).start();
    sut = new BybitMarketStream(settingsFor(fake));
    books = [];
    states = [];
    sut.on('book', (m) => books.push(m));
    sut.on('connection', (c) => states.push(c));
  });

  afterEach(async () => {
    await sut.stop();
    await fake.stop();
  });

  it('should subscribe the configured topics and parse a snapshot then deltas', async () => {
    await sut.start();
    await waitFor(() => books.length === 1, 5000, 'the snapshot');
    const subscribe = fake.publicMessages.find((m) => (m as { op?: string }).op === 'subscribe') as { args: string[] };
    expect(subscribe.args.sort()).toEqual([
      'kline.1.BTCUSDT',
      'orderbook.50.BTCUSDT',
      'publicTrade.BTCUSDT',
      'tickers.BTCUSDT',
    ]);
    expect(books[0]).toMatchObject({
      type: 'snapshot',
      symbol: 'BTCUSDT',
      depth: 50,
      updateId: 123456789,
      bids: [
        ['27450.00', '0.500'],
        ['27449.50', '1.000'],
      ],
    });
    expect(sut.state()).toBe('connected');

    const delta = sample<{ data: Record<string, unknown> }>('ws_orderbook_delta.json');
    fake.pushPublic({ ...delta, topic: 'orderbook.50.BTCUSDT' });
    fake.pushPublic({ ...delta, topic: 'orderbook.50.BTCUSDT', data: { ...delta.data, u: 123456791, seq: 987654323 } });
    await waitFor(() => books.length === 3, 2000, 'two deltas');
    expect(books.slice(1).map((b) => [b.type, b.updateId])).toEqual([
      ['delta', 123456790],
      ['delta', 123456791],
    ]);
    expect(books[1].asks).toEqual([['27451.00', '0']]);
  });

  it('should parse trades, candles and merge ticker deltas', async () => {
    const trades: unknown[] = [];
    const tickers: TickerMessage[] = [];
    const candles: unknown[] = [];
    sut.on('trades', (t) => trades.push(t));
    sut.on('ticker', (t) => tickers.push(t));
    sut.on('candle', (c) => candles.push(c));
    await sut.start();
    await waitFor(() => sut.state() === 'connected');
    fake.pushPublic({ ...sample<Record<string, unknown>>('ws_public_trade.json'), topic: 'publicTrade.BTCUSDT' });
    fake.pushPublic({ ...sample<Record<string, unknown>>('ws_kline.json'), topic: 'kline.1.BTCUSDT' });
    fake.pushPublic(sample('ws_ticker_linear.json'));
    fake.pushPublic({
      topic: 'tickers.BTCUSDT',
      type: 'delta',
      data: { symbol: 'BTCUSDT', lastPrice: '17217.50' },
      cs: 1,
      ts: 1673272861700,
    });
    await waitFor(
      () => trades.length === 1 && candles.length === 1 && tickers.length === 2,
      2000,
      'trades, candle and tickers',
    );
    expect(trades[0]).toMatchObject({
      symbol: 'BTCUSDT',
      trades: [{ side: 'Buy', price: '27451.00', size: '0.010', time: 1709891679000 }],
    });
    expect(candles[0]).toMatchObject({ symbol: 'BTCUSDT', open: '16649.5', close: '16677', confirm: false });
    expect(tickers[1]).toMatchObject({ lastPrice: '17217.50', markPrice: '17217.33', bid1Price: '17215.50' });
  });

  it('should reconnect with back-off and resubscribe after the connection drops', async () => {
    await sut.start();
    await waitFor(() => books.length === 1, 5000, 'the first snapshot');
    fake.dropPublic();
    await waitFor(() => books.length === 2, 5000, 'a snapshot after the reconnect');
    expect(fake.publicConnections).toBe(2);
    expect(fake.publicMessages.filter((m) => (m as { op?: string }).op === 'subscribe')).toHaveLength(2);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(states[2]).toMatchObject({ connection: 'bybit.public', previous: 'connected', attempt: 1 });
    expect(sut.stats().reconnects).toBe(1);
  });

  it('should answer heartbeats (the SDK pings, the fake pongs) without reconnecting', async () => {
    await sut.start();
    await waitFor(() => sut.state() === 'connected');
    await new Promise((r) => setTimeout(r, 1300)); // > 2 ping intervals
    expect(fake.publicMessages.filter((m) => (m as { op?: string }).op === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(fake.publicConnections).toBe(1);
  });
});

describe(BybitPrivateStream.name, () => {
  let fake: FakeBybit;

  beforeEach(async () => {
    fake = await new FakeBybit({ apiKey: API_KEY, apiSecret: API_SECRET }).start();
  });
  afterEach(async () => fake.stop());

  it('should authenticate, subscribe the private topics and parse order, execution, position and wallet', async () => {
    const sut = new BybitPrivateStream(settingsFor(fake), new ServerClock());
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
      fake.pushPrivate(sample('ws_account_order.json'));
      fake.pushPrivate(sample('ws_account_order_partially_filled_rejected.json')); // category spot: ignored
      fake.pushPrivate(sample('ws_account_execution.json'));
      fake.pushPrivate(sample('ws_account_position.json'));
      fake.pushPrivate(sample('ws_account_wallet.json'));
      await waitFor(() => seen.length === 3, 2000, 'execution, position and wallet');
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({
        orderId: 'abcdef123456',
        status: 'Cancelled',
        avgPrice: null,
        cumExecFee: '0',
        cancelType: 'CancelByUser',
      });
      expect(seen).toEqual(['execution', 'position', 'wallet']);
    } finally {
      await sut.stop();
    }
  });

  it('should report auth-failed when the exchange refuses the signature', async () => {
    const sut = new BybitPrivateStream(settingsFor(fake, { apiSecret: 'wrong-secret' }), new ServerClock());
    try {
      await sut.start();
      await waitFor(() => sut.state() === 'auth-failed', 5000, 'auth-failed');
      expect(sut.stats().authFailures).toBe(1);
    } finally {
      await sut.stop();
    }
  });
});
