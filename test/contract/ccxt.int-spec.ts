/**
 * Contract: the simulator serves ccxt's `bybit` class (and so Freqtrade, which trades through it) unchanged.
 * Real: the simulator (src/simulator/simulator-runtime.ts) on a random loopback port; ccxt's `pro.bybit` (REST and
 * WebSocket) with nothing changed but its URLs and credentials. Faked: nothing.
 * One simulator for the file; the trading tests run in order and share its account (fresh, 10000 USDT).
 */
import ccxt from 'ccxt';
import type { Exchange, Order, Position, Trade } from 'ccxt';
import { RunningSimulator, SIM_API_KEY, SIM_API_SECRET, startContractSimulator } from '../support/simulator';

const BTC = 'BTC/USDT:USDT';
const ETH = 'ETH/USDT:USDT';
const INITIAL_BALANCE = 10000;

/**
 * How a ccxt user points `bybit` at the simulator: every REST base URL and the linear public and contract private
 * WebSocket URLs (ccxt.pro's bybit picks them by market type; see README "ccxt and Freqtrade").
 */
async function ccxtAgainst(sim: RunningSimulator): Promise<Exchange> {
  const exchange = new ccxt.pro.bybit({
    apiKey: SIM_API_KEY,
    secret: SIM_API_SECRET,
    options: { defaultType: 'swap' },
  });
  const rest = sim.restUrl;
  exchange.urls.api = {
    spot: rest,
    futures: rest,
    v2: rest,
    public: rest,
    private: rest,
    ws: {
      public: { linear: sim.wsPublicUrl, spot: sim.wsPublicUrl, inverse: sim.wsPublicUrl, option: sim.wsPublicUrl },
      private: {
        contract: sim.wsPrivateUrl,
        spot: { unified: sim.wsPrivateUrl, nonUnified: sim.wsPrivateUrl },
        usdc: sim.wsPrivateUrl,
        trade: sim.wsPrivateUrl,
      },
    },
  } as unknown as Exchange['urls']['api'];
  // ccxt refuses plain ws:// URLs in Node until its http agent is loaded (wss:// needs nothing).
  await exchange.loadHttpProxyAgent();
  return exchange;
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('ccxt bybit against the simulator', () => {
  let sim: RunningSimulator;
  let sut: Exchange;

  beforeAll(async () => {
    sim = await startContractSimulator();
    sut = await ccxtAgainst(sim);
  }, 20_000);

  afterAll(async () => {
    await sut?.close();
    await sim?.stop();
  });

  const info = (x: { info: unknown }) => x.info as Record<string, string>;
  const bestPrices = async (symbol = BTC) => {
    const book = await sut.fetchOrderBook(symbol, 1);
    return { bid: Number(book.bids[0][0]), ask: Number(book.asks[0][0]) };
  };

  describe('with credentials, before trading', () => {
    it('should load the linear markets with their filters and the coins from /v5/asset/coin/query-info', async () => {
      const markets = await sut.loadMarkets();

      expect(Object.keys(markets).sort()).toEqual([BTC, ETH, 'SOL/USDT:USDT']);
      expect(markets[BTC]).toMatchObject({
        id: 'BTCUSDT',
        type: 'swap',
        linear: true,
        settle: 'USDT',
        contractSize: 1,
        active: true,
      });
      expect(markets[BTC]?.precision.price).toBeGreaterThan(0);
      expect(markets[BTC]?.limits.amount?.min).toBeGreaterThan(0);
      expect(Object.keys(sut.currencies).sort()).toEqual(['BTC', 'ETH', 'SOL', 'USDT']);
      expect(info(sut.currencies.USDT)).toMatchObject({ coin: 'USDT', name: 'USDT', chains: [] });
    });

    it('should find a unified account through /v5/user/query-api and /v5/account/info, and fetch its balance', async () => {
      const balance = await sut.fetchBalance();

      expect(sut.options.enableUnifiedAccount).toBe(true);
      expect(sut.options.enableUnifiedMargin).toBe(false);
      expect(sut.options.unifiedMarginStatus).toBe(6);
      expect(balance.USDT).toMatchObject({ total: INITIAL_BALANCE, free: INITIAL_BALANCE });
      const account = (info(balance) as unknown as { result: { list: Array<Record<string, string>> } }).result.list[0];
      expect(account).toMatchObject({ accountType: 'UNIFIED', totalEquity: String(INITIAL_BALANCE) });
    });

    it('should answer the key and account information with Bybit V5 fields', async () => {
      const [key, account] = await Promise.all([
        (
          sut as unknown as Record<string, () => Promise<{ result: Record<string, unknown> }>>
        ).privateGetV5UserQueryApi(),
        (
          sut as unknown as Record<string, () => Promise<{ result: Record<string, unknown> }>>
        ).privateGetV5AccountInfo(),
      ]);

      expect(key.result).toMatchObject({ apiKey: SIM_API_KEY, readOnly: 0, uta: 1, unified: 0, isMaster: true });
      expect(typeof key.result.userID).toBe('number');
      expect(key.result.permissions).toMatchObject({ ContractTrade: ['Order', 'Position'] });
      expect(account.result).toMatchObject({ marginMode: 'REGULAR_MARGIN', unifiedMarginStatus: 6 });
      expect(account.result.updatedTime).toMatch(/^\d{13}$/);
    });
  });

  describe('market data over REST', () => {
    it('should fetch a ticker with bid below ask and the funding fields', async () => {
      const ticker = await sut.fetchTicker(BTC);

      expect(ticker.symbol).toBe(BTC);
      expect(ticker.bid).toBeLessThan(ticker.ask!);
      expect(ticker.last).toBeGreaterThan(0);
      expect(info(ticker)).toHaveProperty('fundingRate');
      expect(info(ticker)).toHaveProperty('markPrice');
    });

    it('should fetch an order book of the requested depth, best levels first', async () => {
      const book = await sut.fetchOrderBook(BTC, 50);

      expect(book.bids).toHaveLength(50);
      expect(book.asks).toHaveLength(50);
      expect(book.bids[0][0]).toBeLessThan(book.asks[0][0]!);
      expect(book.bids.every((l, i) => i === 0 || l[0]! < book.bids[i - 1][0]!)).toBe(true);
      expect(book.asks.every((l, i) => i === 0 || l[0]! > book.asks[i - 1][0]!)).toBe(true);
      expect(book.timestamp).toBeGreaterThan(Date.now() - 60_000);
    });

    it('should fetch one-minute candles, oldest first', async () => {
      const candles = await sut.fetchOHLCV(BTC, '1m', undefined, 5);

      expect(candles).toHaveLength(5);
      for (let i = 1; i < candles.length; i += 1) expect(candles[i][0]! - candles[i - 1][0]!).toBe(60_000);
      for (const [, open, high, low, close, volume] of candles) {
        expect(high).toBeGreaterThanOrEqual(Math.max(open!, close!));
        expect(low).toBeLessThanOrEqual(Math.min(open!, close!));
        expect(volume).toBeGreaterThanOrEqual(0);
      }
    });

    it('should fetch recent public trades', async () => {
      const trades = await sut.fetchTrades(BTC, undefined, 5);

      expect(trades).toHaveLength(5);
      for (const trade of trades) {
        expect(['buy', 'sell']).toContain(trade.side);
        expect(trade.price).toBeGreaterThan(0);
        expect(trade.amount).toBeGreaterThan(0);
        expect(info(trade).execId).toBe(trade.id);
      }
    });

    it('should fetch the funding rate and the next funding time', async () => {
      const funding = await sut.fetchFundingRate(BTC);

      expect(funding.symbol).toBe(BTC);
      expect(typeof funding.fundingRate).toBe('number');
      expect(funding.fundingTimestamp ?? funding.nextFundingTimestamp).toBeGreaterThan(Date.now() - 1000);
      expect(funding.markPrice).toBeGreaterThan(0);
    });
  });

  describe('trading over REST', () => {
    let marketOrder: Order;

    it('should set the leverage', async () => {
      await sut.setLeverage(5, BTC);

      const [position] = await sut.fetchPositions([BTC]);
      expect(position?.leverage ?? Number(info(position ?? { info: {} }).leverage)).toBe(5);
    });

    it('should fill a market order carrying a clientOrderId and find it by id', async () => {
      const sent = await sut.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'ccxt-market-1' });
      expect(sent).toMatchObject({ clientOrderId: 'ccxt-market-1', symbol: BTC });

      marketOrder = await sut.fetchOrder(String(sent.id), BTC, { acknowledged: true });

      expect(marketOrder).toMatchObject({
        id: sent.id,
        clientOrderId: 'ccxt-market-1',
        type: 'market',
        side: 'buy',
        status: 'closed',
        amount: 0.002,
        filled: 0.002,
        remaining: 0,
      });
      expect(marketOrder.average).toBeGreaterThan(0);
      expect(info(marketOrder)).toMatchObject({
        orderStatus: 'Filled',
        orderLinkId: 'ccxt-market-1',
        orderType: 'Market',
      });
    });

    it('should hold the position it opened, with the leverage set before', async () => {
      const positions: Position[] = await sut.fetchPositions([BTC]);
      const open = positions.filter((p) => (p.contracts ?? 0) > 0);

      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({ symbol: BTC, side: 'long', contracts: 0.002, leverage: 5 });
      expect(open[0].entryPrice).toBeCloseTo(marketOrder.average!, 6);
      expect(info(open[0])).toMatchObject({ symbol: 'BTCUSDT', side: 'Buy', size: '0.002', positionIdx: 0 });
    });

    it('should list the fill of the market order among my trades, with its fee', async () => {
      const trades: Trade[] = await sut.fetchMyTrades(BTC);
      const fills = trades.filter((t) => t.order === marketOrder.id);

      expect(fills.length).toBeGreaterThanOrEqual(1);
      expect(fills.reduce((sum, t) => sum + t.amount!, 0)).toBeCloseTo(0.002, 9);
      expect(fills[0]).toMatchObject({ side: 'buy', takerOrMaker: 'taker' });
      expect(fills[0].fee?.cost).toBeGreaterThan(0);
      expect(fills[0].fee?.currency).toBe('USDT');
    });

    it('should rest a post-only limit order below the market and list it as open', async () => {
      const { bid } = await bestPrices();
      const price = sut.priceToPrecision(BTC, bid * 0.9);

      const sent = await sut.createOrder(BTC, 'limit', 'buy', 0.001, Number(price), {
        postOnly: true,
        clientOrderId: 'ccxt-limit-1',
      });
      const open = await sut.fetchOpenOrders(BTC);

      const listed = open.find((o) => o.id === sent.id);
      expect(listed).toMatchObject({
        clientOrderId: 'ccxt-limit-1',
        type: 'limit',
        side: 'buy',
        status: 'open',
        price: Number(price),
        postOnly: true,
        timeInForce: 'PO',
        filled: 0,
      });
      expect(info(listed!)).toMatchObject({ orderStatus: 'New', timeInForce: 'PostOnly' });
    });

    it('should cancel a post-only limit order that would take liquidity', async () => {
      const { ask } = await bestPrices();

      const crossing = Number(sut.priceToPrecision(BTC, ask * 1.01));
      const sent = await sut.createOrder(BTC, 'limit', 'buy', 0.001, crossing, { postOnly: true });
      const order = await sut.fetchOrder(String(sent.id), BTC, { acknowledged: true });

      expect(order).toMatchObject({ status: 'canceled', filled: 0 });
      expect(info(order)).toMatchObject({ orderStatus: 'Cancelled', rejectReason: 'EC_PostOnlyWillTakeLiquidity' });
    });

    it('should cancel one open order by id', async () => {
      const [resting] = await sut.fetchOpenOrders(BTC);

      await sut.cancelOrder(String(resting.id), BTC);

      expect(await sut.fetchOpenOrders(BTC)).toEqual([]);
      const order = await sut.fetchOrder(String(resting.id), BTC, { acknowledged: true });
      expect(order).toMatchObject({ id: resting.id, status: 'canceled' });
    });

    it('should cancel all open orders of a symbol', async () => {
      const { bid } = await bestPrices();
      const price = Number(sut.priceToPrecision(BTC, bid * 0.8));
      const a = await sut.createOrder(BTC, 'limit', 'buy', 0.001, price);
      const b = await sut.createOrder(BTC, 'limit', 'buy', 0.001, price);
      expect((await sut.fetchOpenOrders(BTC)).map((o) => o.id).sort()).toEqual([a.id, b.id].sort());

      const cancelled = await sut.cancelAllOrders(BTC);

      expect(cancelled.map((o) => o.id).sort()).toEqual([a.id, b.id].sort());
      expect(await sut.fetchOpenOrders(BTC)).toEqual([]);
    });

    it('should close the position with a reduce-only market order and refuse one with nothing to reduce', async () => {
      const sent = await sut.createOrder(BTC, 'market', 'sell', 0.002, undefined, { reduceOnly: true });
      const order = await sut.fetchOrder(String(sent.id), BTC, { acknowledged: true });
      expect(order).toMatchObject({ status: 'closed', filled: 0.002, reduceOnly: true });
      const positions = await sut.fetchPositions([BTC]);
      expect(positions.filter((p) => (p.contracts ?? 0) > 0)).toEqual([]);

      await expect(sut.createOrder(BTC, 'market', 'sell', 0.001, undefined, { reduceOnly: true })).rejects.toThrow(
        /110017/,
      );
    });

    it('should list filled and cancelled orders as closed orders', async () => {
      const closed = await sut.fetchClosedOrders(BTC);
      const canceled = await sut.fetchCanceledOrders(BTC);

      expect(closed.map((o) => o.status)).toContain('closed');
      expect(closed.find((o) => o.id === marketOrder.id)).toMatchObject({ clientOrderId: 'ccxt-market-1' });
      expect(closed.every((o) => o.status === 'closed')).toBe(true);
      expect(canceled.length).toBeGreaterThanOrEqual(4);
      expect(canceled.every((o) => o.status === 'canceled')).toBe(true);
    });
  });

  describe('WebSocket (ccxt.pro)', () => {
    it('should watch an order book that stays uncrossed across updates', async () => {
      const first = await within(sut.watchOrderBook(BTC), 10_000, 'the first order book');
      const firstTimestamp = first.timestamp!;
      const next = await within(sut.watchOrderBook(BTC), 10_000, 'an order book update');

      expect(next.bids.length).toBeGreaterThan(0);
      expect(next.asks.length).toBeGreaterThan(0);
      expect(next.bids[0][0]).toBeLessThan(next.asks[0][0]!);
      expect(next.timestamp).toBeGreaterThanOrEqual(firstTimestamp);
    });

    it('should watch public trades', async () => {
      const trades = await within(sut.watchTrades(BTC), 15_000, 'public trades');

      expect(trades.length).toBeGreaterThan(0);
      expect(trades[0]).toMatchObject({ symbol: BTC });
      expect(['buy', 'sell']).toContain(trades[0].side);
    });

    it('should watch one-minute candles (what Freqtrade streams)', async () => {
      const candles = await within(sut.watchOHLCV(BTC, '1m'), 15_000, 'candles');

      expect(candles.length).toBeGreaterThan(0);
      const [time, open, high, low, close] = candles[candles.length - 1];
      expect(time! % 60_000).toBe(0);
      expect(high).toBeGreaterThanOrEqual(Math.max(open!, close!));
      expect(low).toBeLessThanOrEqual(Math.min(open!, close!));
    });

    it('should push my order, its fill and the position when an order is placed over REST', async () => {
      // The first watchPositions answers the REST snapshot (no ETH position yet); later ones wait for pushes.
      const snapshot = await within(sut.watchPositions([ETH]), 10_000, 'the positions snapshot');
      expect(snapshot.filter((p) => (p.contracts ?? 0) > 0)).toEqual([]);
      const orders = within(sut.watchOrders(ETH), 10_000, 'my orders');
      const fills = within(sut.watchMyTrades(ETH), 10_000, 'my trades');
      const positions = within(sut.watchPositions([ETH]), 10_000, 'my positions');
      // Subscriptions are sent when the watchers start; give them a moment before trading.
      await new Promise((resolve) => setTimeout(resolve, 500));

      const sent = await sut.createOrder(ETH, 'market', 'buy', 0.01, undefined, { clientOrderId: 'ccxt-ws-1' });

      const [pushedOrders, pushedFills, pushedPositions] = await Promise.all([orders, fills, positions]);
      expect(pushedOrders.map((o) => o.id)).toContain(sent.id);
      expect(pushedOrders.find((o) => o.id === sent.id)).toMatchObject({ symbol: ETH, clientOrderId: 'ccxt-ws-1' });
      expect(pushedFills.find((t) => t.order === sent.id)).toMatchObject({ symbol: ETH, side: 'buy' });
      expect(pushedPositions.find((p) => p.symbol === ETH)).toMatchObject({ side: 'long', contracts: 0.01 });

      await sut.createOrder(ETH, 'market', 'sell', 0.01, undefined, { reduceOnly: true });
    });
  });
});
