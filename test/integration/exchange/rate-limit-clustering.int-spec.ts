import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import Bottleneck from 'bottleneck';
import { RateLimiterRegistry } from '../../../src/exchange/rate-limit/rate-limiter.registry';

import { describeWithRedis, testRedisUrl as redisUrl } from '../../support/redis';

describeWithRedis('RateLimiterRegistry clustered over Redis (several instances)', () => {
  const clients: Redis[] = [];
  const registries: RateLimiterRegistry[] = [];
  const connections: Bottleneck.IORedisConnection[] = [];
  const idPrefix = `test-${randomBytes(4).toString('hex')}:bybit`;

  const instance = () => {
    const client = new Redis(redisUrl as string);
    clients.push(client);
    const connection = new Bottleneck.IORedisConnection({ client });
    connections.push(connection);
    const registry = new RateLimiterRegistry(
      { trade: { limit: 10, windowMs: 1000 } },
      { limit: 600, windowMs: 5000 },
      { safetyFactor: 0.5, maxWaitMs: 10_000, clustering: { connection, idPrefix } },
    );
    registries.push(registry);
    return registry;
  };

  afterAll(async () => {
    for (const registry of registries) await registry.stop();
    const cleaner = new Redis(redisUrl as string);
    const keys = await cleaner.keys(`b_${idPrefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    await cleaner.quit();
    // The shared connection (and its subscriber duplicate) belongs to the caller, not to the limiters.
    await Promise.all(connections.map((c) => c.disconnect(false)));
  });

  it('should hold two instances together to one shared budget per window', async () => {
    const [a, b] = [instance(), instance()];
    const started = Date.now();
    const ran: number[] = [];
    const job = () => Promise.resolve(ran.push(Date.now() - started));
    await Promise.all([
      ...Array.from({ length: 6 }, () => a.schedule('trade', job)),
      ...Array.from({ length: 6 }, () => b.schedule('trade', job)),
    ]);
    // 10/s × 0.5 = 5 per window, shared: 12 jobs need three windows whichever instance queued them.
    const firstWindow = ran.filter((t) => t < 900).length;
    expect(firstWindow).toBeLessThanOrEqual(5);
    expect(Math.max(...ran)).toBeGreaterThanOrEqual(1800);
  });
});
