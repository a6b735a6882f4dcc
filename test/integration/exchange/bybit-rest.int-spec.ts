/**
 * BybitRestClient against the simulator on loopback (src/simulator, in process).
 * Real: bybit-api signing and HTTP, Bottleneck limiters, opossum breakers, the simulator's V5 server (signature
 * check and recv window as BYBIT.md §2, per-UID limits and their headers, matching engine).
 * Steered: the simulator's clock runs 3 s behind ours; its fault plan injects 5xx answers, hung requests and
 * business rejections; its traffic observer records what the client sent. Parsing of the answers Bybit itself
 * recorded (shared/data/bybit/v5-samples) is bybit-samples.int-spec.ts.
 */
import { createHmac } from 'node:crypto';
import { BYBIT_ENDPOINT_GROUPS, BYBIT_IP_LIMIT, ENDPOINT_GROUPS } from '../../../src/exchange/bybit/bybit.constants';
import { BybitRestClient } from '../../../src/exchange/bybit/bybit.rest-client';
import type { ExchangeSettings } from '../../../src/exchange/exchange.settings';
import { InstrumentsService } from '../../../src/exchange/instruments.service';
import { RateLimiterRegistry } from '../../../src/exchange/rate-limit/rate-limiter.registry';
import { CircuitBreakerRegistry } from '../../../src/exchange/resilience/circuit-breaker.registry';
import { ServerClock } from '../../../src/exchange/server-time';
import type { RunningSimulator } from '../../../src/simulator/simulator-runtime';
import { recordTraffic, SimulatorTraffic } from '../../support/simulator';
import { API_KEY, API_SECRET, settingsFor, startExchangeSimulator } from './exchange-test-settings';

const SKEW_MS = -3000; // the simulator's clock is 3 s behind ours: unsynced timestamps are "in the future" → 10002
/** This UID's per-second budget of GET /v5/order/realtime in these specs (Bybit's default is 50). */
const ORDER_QUERY_LIMIT = 100;

/** The price `fraction` of the way from zero to the best bid, on the tick grid (a resting buy far from the touch). */
function restingBuyPrice(bestBid: string, fraction: number, tickSize: string): string {
  const decimals = (tickSize.split('.')[1] ?? '').length;
  const ticks = Math.floor((Number(bestBid) * fraction) / Number(tickSize));
  return (ticks * Number(tickSize)).toFixed(decimals);
}

/** A GET signed with this spec's key on the simulator's clock, sent outside the client under test. */
async function signedGet(sim: RunningSimulator, path: string, query: string): Promise<Response> {
  const timestamp = String(Date.now() + SKEW_MS);
  const sign = createHmac('sha256', API_SECRET).update(`${timestamp}${API_KEY}5000${query}`).digest('hex');
  return fetch(`${sim.restUrl}${path}?${query}`, {
    headers: {
      'X-BAPI-API-KEY': API_KEY,
      'X-BAPI-TIMESTAMP': timestamp,
      'X-BAPI-RECV-WINDOW': '5000',
      'X-BAPI-SIGN': sign,
    },
  });
}

describe(BybitRestClient.name, () => {
  let sim: RunningSimulator;
  let fake: SimulatorTraffic;
  let settings: ExchangeSettings;
  let limits: RateLimiterRegistry;
  let breakers: CircuitBreakerRegistry;
  let clock: ServerClock;
  let sut: BybitRestClient;

  beforeEach(async () => {
    sim = await startExchangeSimulator({
      clockSkewMs: SKEW_MS,
      endpointLimits: { '/v5/order/realtime': ORDER_QUERY_LIMIT },
    });
    fake = recordTraffic(sim);
    settings = settingsFor(sim);
    limits = new RateLimiterRegistry(
      Object.fromEntries(ENDPOINT_GROUPS.map((g) => [g, BYBIT_ENDPOINT_GROUPS[g]])),
      BYBIT_IP_LIMIT,
      { safetyFactor: 0.5, maxWaitMs: settings.rateLimit.maxWaitMs },
    );
    breakers = new CircuitBreakerRegistry(ENDPOINT_GROUPS, { failureThreshold: 3, cooldownMs: 200 });
    clock = new ServerClock();
    sut = new BybitRestClient(settings, limits, breakers, clock);
  });

  afterEach(async () => {
    breakers.shutdown();
    await limits.stop();
    fake.stop();
    await sim.stop();
  });

  const requestsTo = (path: string) => fake.requests.filter((r) => r.path === path);

  it('should measure the server-time offset and sign with it', async () => {
    const sample = await sut.getServerTime();
    expect(sample.offsetMs).toBeGreaterThan(SKEW_MS - 100);
    expect(sample.offsetMs).toBeLessThan(SKEW_MS + 100);
    await sut.getOpenOrders({ symbol: 'ETHUSDT' });
    const [signed] = requestsTo('/v5/order/realtime');
    expect(signed.signatureValid).toBe(true);
    expect(Math.abs(signed.timestampOffsetMs ?? Infinity)).toBeLessThan(200);
  });

  it('should send a signed GET whose signature covers the raw query', async () => {
    await sut.getServerTime();
    const [bestBid] = (await sut.getOrderbook('ETHUSDT', 1)).bids[0];
    const price = restingBuyPrice(bestBid, 0.9, '0.01');
    const resting = await sut.placeOrder({
      symbol: 'ETHUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.05',
      price,
      timeInForce: 'GTC',
      orderLinkId: 'resting-1',
    });
    const page = await sut.getOpenOrders({ symbol: 'ETHUSDT' });
    const [request] = requestsTo('/v5/order/realtime');
    expect(request.rawQuery).toBe('category=linear&symbol=ETHUSDT');
    const h = request.headers;
    const expected = createHmac('sha256', API_SECRET)
      .update(`${h['x-bapi-timestamp']}${API_KEY}5000${request.rawQuery}`)
      .digest('hex');
    expect(h['x-bapi-sign']).toBe(expected);
    expect(h['x-bapi-recv-window']).toBe('5000');
    expect(page.items[0]).toMatchObject({ orderId: resting.orderId, status: 'New', avgPrice: null, price });
  });

  it('should send a signed POST whose signature covers the raw body', async () => {
    await sut.getServerTime();
    const ack = await sut.placeOrder({
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.010',
      price: '30000',
      timeInForce: 'PostOnly',
      orderLinkId: 'sig-1',
    });
    expect(ack).toEqual({ orderId: expect.stringMatching(/\S/), orderLinkId: 'sig-1' });
    const [request] = requestsTo('/v5/order/create');
    expect(request.signatureValid).toBe(true);
    expect(JSON.parse(request.rawBody)).toEqual({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.010',
      price: '30000',
      timeInForce: 'PostOnly',
      orderLinkId: 'sig-1',
    });
  });

  it('should resync the clock after 10002 and resend the order once', async () => {
    const ack = await sut.placeOrder({
      symbol: 'BTCUSDT',
      side: 'Sell',
      orderType: 'Market',
      qty: '0.001',
      orderLinkId: 'clock-1',
    });
    expect(ack.orderLinkId).toBe('clock-1');
    expect(fake.requests.map((r) => r.path)).toEqual(['/v5/order/create', '/v5/market/time', '/v5/order/create']);
    expect(Math.abs(clock.offsetMs - SKEW_MS)).toBeLessThan(100);
  });

  it('should reject a business error without retrying and without tripping the breaker', async () => {
    await sut.getServerTime();
    sim.control.setFaults({ orderRejectRate: 1 }); // every create: 110007 'Available balance is insufficient'
    for (let i = 0; i < 5; i += 1) {
      await expect(
        sut.placeOrder({ symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '1', orderLinkId: `nofunds-${i}` }),
      ).rejects.toMatchObject({
        code: 'INSUFFICIENT_BALANCE',
        retCode: 110007,
        kind: 'CONFLICT',
      });
    }
    expect(requestsTo('/v5/order/create')).toHaveLength(5);
    expect(breakers.state('trade')).toBe('CLOSED');
  });

  it('should retry reads on 5xx, open the breaker after N faults, then fail fast', async () => {
    await sut.getServerTime();
    sim.control.setFaults({ httpErrorRate: 1, httpErrorStatus: 502 });
    await expect(sut.getPositions('BTCUSDT')).rejects.toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', httpStatus: 502 });
    expect(requestsTo('/v5/position/list')).toHaveLength(3); // 3 attempts, the 3rd fault opens the breaker
    expect(breakers.state('position')).toBe('OPEN');
    await expect(sut.getPositions('BTCUSDT')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(requestsTo('/v5/position/list')).toHaveLength(3);
    expect(breakers.state('trade')).toBe('CLOSED');
  });

  it('should not retry an order whose answer timed out', async () => {
    await sut.getServerTime();
    sim.control.setFaults({ httpTimeoutRate: 1 }); // the simulator never answers; the client gives up at 1 s
    await expect(
      sut.placeOrder({ symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '1', orderLinkId: 'slow-1' }),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(requestsTo('/v5/order/create')).toHaveLength(1);
  });

  it('should feed X-Bapi-Limit headers to the limiter', async () => {
    await sut.getServerTime();
    // Another client on the same UID has used all but one request of this second's budget: the client's next
    // request is answered with X-Bapi-Limit 100 and X-Bapi-Limit-Status 0.
    const others = await Promise.all(
      Array.from({ length: ORDER_QUERY_LIMIT - 1 }, () =>
        signedGet(sim, '/v5/order/realtime', 'category=linear&symbol=ETHUSDT').then((r) => r.json()),
      ),
    );
    expect(others.every((answer) => (answer as { retCode: number }).retCode === 0)).toBe(true);
    await sut.getOpenOrders({ symbol: 'BTCUSDT' });
    const answered = requestsTo('/v5/order/realtime').find((r) => r.rawQuery.endsWith('symbol=BTCUSDT'));
    expect(answered?.response?.headers).toMatchObject({ 'x-bapi-limit': '100', 'x-bapi-limit-status': '0' });
    const resetAt = Number(answered?.response?.headers['x-bapi-limit-reset-timestamp']);
    const answeredAt = Date.now();
    const status = (await limits.status()).find((s) => s.group === 'orderQuery');
    expect(status).toMatchObject({
      limit: 100,
      capacity: 50,
      exchange: expect.objectContaining({ remaining: 0, resetAtMs: resetAt }),
    });
    await sut.getOpenOrders({ symbol: 'BTCUSDT' });
    expect(Date.now()).toBeGreaterThanOrEqual(resetAt - 5);
    // Within its budget Bybit's reset timestamp is just the current time: the limiter then holds the group's next
    // call for the endpoint's one-second window.
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(950);
  });

  it('should parse market data, wallet, executions and positions from the simulator', async () => {
    const book = await sut.getOrderbook('BTCUSDT', 50);
    expect(book).toMatchObject({ symbol: 'BTCUSDT', updateId: expect.any(Number), seq: expect.any(Number) });
    expect(book.bids).toHaveLength(50);
    expect(book.asks).toHaveLength(50);
    const bidPrices = book.bids.map(([price]) => Number(price));
    expect(bidPrices).toEqual([...bidPrices].sort((a, b) => b - a));
    expect(Number(book.bids[0][0])).toBeLessThan(Number(book.asks[0][0]));
    const klines = await sut.getKlines('BTCUSDT', '1', { limit: 3 });
    expect(klines).toHaveLength(3);
    expect(klines.map((k) => k.start)).toEqual([klines[0].start, klines[0].start + 60_000, klines[0].start + 120_000]);
    expect(klines[0]).toEqual({
      start: expect.any(Number),
      open: expect.stringMatching(/^\d+(\.\d+)?$/),
      high: expect.stringMatching(/^\d+(\.\d+)?$/),
      low: expect.stringMatching(/^\d+(\.\d+)?$/),
      close: expect.stringMatching(/^\d+(\.\d+)?$/),
      volume: expect.stringMatching(/^\d+(\.\d+)?$/),
      turnover: expect.stringMatching(/^\d+(\.\d+)?$/),
    });
    expect(Number(klines[0].low)).toBeLessThanOrEqual(Number(klines[0].high));
    await sut.getServerTime();
    const wallet = await sut.getWalletBalance();
    expect(wallet).toMatchObject({ accountType: 'UNIFIED', totalEquity: '10000' });
    const ack = await sut.placeOrder({
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Market',
      qty: '0.002',
      orderLinkId: 'parse-1',
    });
    const executions = await sut.getExecutions({ symbol: 'BTCUSDT' });
    expect(executions.items[0]).toMatchObject({
      orderId: ack.orderId,
      orderLinkId: 'parse-1',
      execId: expect.stringMatching(/\S/),
      side: 'Buy',
      isMaker: false,
      execTime: expect.any(Number),
    });
    expect(executions.nextCursor).toBeNull();
    const positions = await sut.getPositions('BTCUSDT');
    expect(positions[0]).toMatchObject({ symbol: 'BTCUSDT', side: 'Buy', size: '0.002' });
    expect(Number(positions[0].entryPrice)).toBeGreaterThan(0);
  });
});

describe(InstrumentsService.name, () => {
  it('should cache instrument filters and refresh on demand', async () => {
    const sim = await startExchangeSimulator();
    const fake = recordTraffic(sim);
    const settings = settingsFor(sim, { symbols: ['BTCUSDT', 'ETHUSDT'] });
    const limits = new RateLimiterRegistry({ market: BYBIT_ENDPOINT_GROUPS.market }, BYBIT_IP_LIMIT, {
      safetyFactor: 0.5,
      maxWaitMs: 1000,
    });
    const breakers = new CircuitBreakerRegistry(['market'], { failureThreshold: 3, cooldownMs: 200 });
    const sut = new InstrumentsService(
      new BybitRestClient(settings, limits, breakers, new ServerClock()),
      settings.symbols,
      60_000,
    );
    try {
      await sut.start();
      expect(sut.get('BTCUSDT')).toMatchObject({
        tickSize: '0.10',
        qtyStep: '0.001',
        minOrderQty: '0.001',
        minNotionalValue: '5',
      });
      expect(sut.get('ETHUSDT')).toBeDefined();
      sut.require('BTCUSDT');
      sut.get('ETHUSDT');
      expect(fake.requests.filter((r) => r.path === '/v5/market/instruments-info')).toHaveLength(1);
      await sut.refresh();
      expect(fake.requests.filter((r) => r.path === '/v5/market/instruments-info')).toHaveLength(2);
      expect(() => sut.require('DOGEUSDT')).toThrow();
    } finally {
      sut.stop();
      breakers.shutdown();
      await limits.stop();
      fake.stop();
      await sim.stop();
    }
  });
});
