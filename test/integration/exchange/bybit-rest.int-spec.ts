/**
 * BybitRestClient against a loopback fake (test/support/fake-bybit.ts).
 * Real: bybit-api signing and HTTP, Bottleneck limiters, opossum breakers, the fake's signature check (BYBIT.md §2).
 * Faked: the venue (sample answers from shared/data/bybit/v5-samples).
 */
import { createHmac } from 'node:crypto';
import { BYBIT_ENDPOINT_GROUPS, BYBIT_IP_LIMIT, ENDPOINT_GROUPS } from '../../../src/exchange/bybit/bybit.constants';
import { BybitRestClient } from '../../../src/exchange/bybit/bybit.rest-client';
import type { ExchangeSettings } from '../../../src/exchange/exchange.settings';
import { InstrumentsService } from '../../../src/exchange/instruments.service';
import { RateLimiterRegistry } from '../../../src/exchange/rate-limit/rate-limiter.registry';
import { CircuitBreakerRegistry } from '../../../src/exchange/resilience/circuit-breaker.registry';
import { ServerClock } from '../../../src/exchange/server-time';
import { FakeBybit } from '../../support/fake-bybit';
import { API_KEY, API_SECRET, settingsFor } from './exchange-test-settings';

const SKEW_MS = -3000; // the fake's clock is 3 s behind ours: unsynced timestamps are "in the future" → 10002

describe(BybitRestClient.name, () => {
  let fake: FakeBybit;
  let settings: ExchangeSettings;
  let limits: RateLimiterRegistry;
  let breakers: CircuitBreakerRegistry;
  let clock: ServerClock;
  let sut: BybitRestClient;

  beforeEach(async () => {
    fake = await new FakeBybit({ apiKey: API_KEY, apiSecret: API_SECRET, clockSkewMs: SKEW_MS }).start();
    settings = settingsFor(fake);
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
    await fake.stop();
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
    const page = await sut.getOpenOrders({ symbol: 'ETHUSDT' });
    const [request] = requestsTo('/v5/order/realtime');
    expect(request.rawQuery).toBe('category=linear&symbol=ETHUSDT');
    const h = request.headers;
    const expected = createHmac('sha256', API_SECRET)
      .update(`${h['x-bapi-timestamp']}${API_KEY}5000${request.rawQuery}`)
      .digest('hex');
    expect(h['x-bapi-sign']).toBe(expected);
    expect(h['x-bapi-recv-window']).toBe('5000');
    expect(page.items[0]).toMatchObject({ orderId: 'open-order-1', status: 'New', avgPrice: null, price: '3930.41' });
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
    expect(ack).toEqual({ orderId: 'fake-order-1', orderLinkId: 'sig-1' });
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
    fake.respond('/v5/order/create', () => ({
      body: {
        retCode: 110007,
        retMsg: 'Available balance is insufficient',
        result: {},
        retExtInfo: {},
        time: Date.now(),
      },
    }));
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
    fake.respond('/v5/position/list', () => ({ status: 502, body: 'bad gateway' }));
    await expect(sut.getPositions('BTCUSDT')).rejects.toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', httpStatus: 502 });
    expect(requestsTo('/v5/position/list')).toHaveLength(3); // 3 attempts, the 3rd fault opens the breaker
    expect(breakers.state('position')).toBe('OPEN');
    await expect(sut.getPositions('BTCUSDT')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(requestsTo('/v5/position/list')).toHaveLength(3);
    expect(breakers.state('trade')).toBe('CLOSED');
  });

  it('should not retry an order whose answer timed out', async () => {
    await sut.getServerTime();
    fake.respond(
      '/v5/order/create',
      () => new Promise((resolve) => setTimeout(() => resolve({ body: { retCode: 0, result: {} } }), 1500)),
    );
    await expect(
      sut.placeOrder({ symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '1', orderLinkId: 'slow-1' }),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(requestsTo('/v5/order/create')).toHaveLength(1);
  });

  it('should feed X-Bapi-Limit headers to the limiter', async () => {
    await sut.getServerTime();
    const resetAt = Date.now() + 300;
    fake.respond('/v5/order/realtime', () => ({
      body: { retCode: 0, retMsg: 'OK', result: { list: [], nextPageCursor: '' }, retExtInfo: {}, time: Date.now() },
      headers: { 'x-bapi-limit': '100', 'x-bapi-limit-status': '0', 'x-bapi-limit-reset-timestamp': String(resetAt) },
    }));
    await sut.getOpenOrders({ symbol: 'BTCUSDT' });
    const status = (await limits.status()).find((s) => s.group === 'orderQuery');
    expect(status).toMatchObject({
      limit: 100,
      capacity: 50,
      exchange: expect.objectContaining({ remaining: 0, resetAtMs: resetAt }),
    });
    await sut.getOpenOrders({ symbol: 'BTCUSDT' });
    expect(Date.now()).toBeGreaterThanOrEqual(resetAt - 5);
  });

  it('should parse market data, wallet, executions and positions from the samples', async () => {
    const book = await sut.getOrderbook('BTCUSDT', 50);
    expect(book).toMatchObject({
      symbol: 'BTCUSDT',
      updateId: 1234567,
      seq: 9876543,
      bids: [
        ['27450.50', '1.500'],
        ['27450.00', '2.000'],
        ['27449.50', '0.750'],
      ],
    });
    const klines = await sut.getKlines('BTCUSDT', '1', { limit: 1 });
    expect(klines[0]).toEqual({
      start: 1709891679000,
      open: '27450',
      high: '27460',
      low: '27440',
      close: '27455',
      volume: '123.45',
      turnover: '3390000',
    });
    await sut.getServerTime();
    const wallet = await sut.getWalletBalance();
    expect(wallet).toMatchObject({ accountType: 'UNIFIED', totalEquity: '3.31216591' });
    const executions = await sut.getExecutions({ symbol: 'BTCUSDT' });
    expect(executions.items[0]).toMatchObject({
      execId: 'e0cbe81d-0f18-5866-9415-cf319b5dab3b',
      isMaker: true,
      execTime: 1672282722429,
    });
    expect(executions.nextCursor).toBe('132766%3A2%2C132766%3A2');
    const positions = await sut.getPositions('BTCUSDT');
    expect(positions[0]).toMatchObject({ symbol: 'BTCUSDT', side: 'Buy', size: '0.5', entryPrice: '50000.00' });
  });
});

describe(InstrumentsService.name, () => {
  it('should cache instrument filters and refresh on demand', async () => {
    const fake = await new FakeBybit({ apiKey: API_KEY, apiSecret: API_SECRET }).start();
    const settings = settingsFor(fake, { symbols: ['BTCUSDT', 'ETHUSDT'] });
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
        tickSize: '0.5',
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
      await fake.stop();
    }
  });
});
