import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** The shared Redis connection, or null when REDIS_URL is unset (single instance: state stays in memory). */
export const REDIS = Symbol('REDIS');
export type RedisConnection = Redis | null;

function connect(config: AppConfig): RedisConnection {
  if (!config.redis.url) return null;
  const client = new Redis(config.redis.url, {
    // Fail commands fast while Redis is away so callers fall back (e.g. to their in-memory insurance limiter)
    // instead of queueing requests behind a dead connection.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: false,
  });
  const logger = new Logger('Redis');
  client.on('error', (error: Error) => logger.warn({ err: error }, 'Redis connection error'));
  return client;
}

/**
 * One ioredis client per process for state several instances must share (SPEC §12): login throttling now,
 * exchange rate limits later.
 */
@Global()
@Module({
  providers: [{ provide: REDIS, inject: [APP_CONFIG], useFactory: connect }],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
