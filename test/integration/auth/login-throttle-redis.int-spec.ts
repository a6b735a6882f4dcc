import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { LoginThrottle } from '../../../src/auth/login-throttle';
import { loadAppConfig } from '../../../src/infra/config/app-config';

import { describeWithRedis, testRedisUrl as redisUrl } from '../../support/redis';

describeWithRedis('LoginThrottle with REDIS_URL (several instances)', () => {
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const config = loadAppConfig(
    {
      APP_PASSWORD: 'initial-password-1',
      SECRET_KEY: 'k'.repeat(64),
      LOGIN_MAX_FAILURES: '3',
      LOGIN_WINDOW_SECONDS: '60',
      REDIS_URL: redisUrl as string,
      REDIS_KEY_PREFIX: prefix,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'throttle-redis-')),
    },
    { dotenvPath: false },
  );
  const clients: Redis[] = [];
  const instance = () => {
    const client = new Redis(redisUrl as string);
    clients.push(client);
    return new LoginThrottle(config, client);
  };

  afterAll(async () => {
    const keys = await clients[0].keys(`${prefix}:*`);
    if (keys.length > 0) await clients[0].del(...keys);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('should count failures from one address across instances and refuse on every instance', async () => {
    const [a, b] = [instance(), instance()];
    await a.attempt('198.51.100.7');
    await b.attempt('198.51.100.7');
    await a.attempt('198.51.100.7');

    await expect(b.attempt('198.51.100.7')).rejects.toMatchObject({
      code: 'LOGIN_THROTTLED',
      details: { retryAfterSeconds: expect.any(Number) },
    });
    await expect(a.attempt('198.51.100.7')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' });
    await expect(a.attempt('198.51.100.8')).resolves.toBeUndefined();
    expect(await clients[0].keys(`${prefix}:auth-login*`)).not.toHaveLength(0);
  });

  it('should clear the shared count on a success seen by any instance', async () => {
    const [a, b] = [instance(), instance()];
    await a.attempt('198.51.100.9');
    await a.attempt('198.51.100.9');
    await b.succeeded('198.51.100.9');
    await a.attempt('198.51.100.9');
    await a.attempt('198.51.100.9');
    await expect(b.attempt('198.51.100.9')).resolves.toBeUndefined();
  });
});
