import { DataSource } from 'typeorm';
import { EventBus } from '../../src/infra/events/event-bus';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { describeWithRedis } from '../support/redis';
import { waitFor } from '../support/wait-for';

describe('exchange API (bot connected to its built-in simulator)', () => {
  let ctx: TestApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    ctx = await startTestApp({ TRADING_PAIRS: 'BTCUSDT' });
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };
  });
  afterAll(() => ctx.close());

  it('should report connections, every breaker and every rate limiter', async () => {
    type Status = {
      env: string;
      connections: Record<string, string>;
      breakers: Array<{ group: string; state: string }>;
      rateLimits: Array<{ group: string }>;
    };
    const body = await waitFor(
      async () => (await (await fetch(`${ctx.baseUrl}/exchange/status`, { headers: auth })).json()) as Status,
      { until: (b) => b.connections['bybit.private'] === 'connected', timeoutMs: 5_000, intervalMs: 100 },
    );
    expect(body.env).toBe('sim');
    expect(body.connections).toEqual({ 'bybit.public': 'connected', 'bybit.private': 'connected' });
    expect(body.breakers.map((b) => [b.group, b.state])).toEqual([
      ['market', 'CLOSED'],
      ['trade', 'CLOSED'],
      ['orderQuery', 'CLOSED'],
      ['position', 'CLOSED'],
      ['account', 'CLOSED'],
    ]);
    expect(body.rateLimits.map((l) => l.group)).toEqual(
      expect.arrayContaining(['market', 'trade', 'orderQuery', 'position', 'account']),
    );
  });

  it('should reset a breaker by group and refuse an unknown group with a 400 naming the field', async () => {
    const ok = await fetch(`${ctx.baseUrl}/exchange/breakers/trade/reset`, { method: 'POST', headers: auth });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ group: 'trade', state: 'CLOSED', consecutiveFailures: 0 });
    const bad = await fetch(`${ctx.baseUrl}/exchange/breakers/nope/reset`, { method: 'POST', headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^group: group must be one of market/);
  });

  it('should audit breaker state changes', async () => {
    ctx.app.get(EventBus).publish('exchange.breaker-changed', {
      traceId: 'breaker-trace-1',
      group: 'trade',
      state: 'OPEN',
      previous: 'CLOSED',
      reason: '5 consecutive exchange faults',
      consecutiveFailures: 5,
      lastError: 'HTTP 503',
    });
    await ctx.app.get(EventBus).drain();
    const source = await new DataSource({ type: 'postgres', url: ctx.database.url }).initialize();
    try {
      const rows = await source.query(
        `SELECT action, entity_id, success, error_message, new_value FROM audit_logs WHERE trace_id = 'breaker-trace-1'`,
      );
      expect(rows).toEqual([
        {
          action: 'CIRCUIT_BREAKER_CHANGE',
          entity_id: 'trade',
          success: false,
          error_message: 'HTTP 503',
          new_value: { state: 'OPEN', consecutiveFailures: 5 },
        },
      ]);
    } finally {
      await source.destroy();
    }
  });
});

describeWithRedis('exchange rate limits shared through Redis (REDIS_URL)', () => {
  it('should boot, place the limiter state in Redis under REDIS_KEY_PREFIX, and shut down cleanly', async () => {
    const prefix = `e2e-${Date.now()}`;
    const ctx = await startTestApp({
      TRADING_PAIRS: 'BTCUSDT',
      REDIS_URL: process.env.TEST_REDIS_URL as string,
      REDIS_KEY_PREFIX: prefix,
    });
    const Redis = (await import('ioredis')).default;
    const redis = new Redis(process.env.TEST_REDIS_URL as string);
    try {
      const auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };
      const status = (await (await fetch(`${ctx.baseUrl}/exchange/status`, { headers: auth })).json()) as {
        rateLimits: Array<{ group: string; capacity: number | null }>;
      };
      expect(status.rateLimits.find((l) => l.group === 'trade')?.capacity).toBe(5);
      expect((await redis.keys(`b_${prefix}:bybit:sim:*`)).length).toBeGreaterThan(0);
    } finally {
      await ctx.close();
      const keys = await redis.keys(`*${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });
});
