import { Inject, Injectable, Logger } from '@nestjs/common';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { REDIS, RedisConnection } from '../infra/redis/redis.module';
import { AuthError } from './auth.error';

/**
 * Brute-force protection for password checks, per client address: at most `loginMaxFailures` attempts may fail
 * within a fixed window of `loginWindowSeconds` (counted from the first failure); after that every attempt from
 * that address, even with the right password, is refused until the window ends. A success resets the count.
 *
 * Each attempt takes its point *before* the password is checked (and a success gives it back by deleting the
 * key), so concurrent requests cannot run more than `loginMaxFailures` bcrypt comparisons per window: checking
 * first and counting after would let a burst of parallel guesses through.
 *
 * With REDIS_URL the counters live in Redis, shared by every instance and kept across restarts; if Redis is
 * unreachable the same limits apply per instance from memory (the insurance limiter) rather than failing logins.
 * Without REDIS_URL they live in this process's memory.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);
  private readonly limiter: RateLimiterAbstract;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(REDIS) redis: RedisConnection) {
    const limits = { points: config.auth.loginMaxFailures, duration: config.auth.loginWindowSeconds };
    const memory = new RateLimiterMemory({ keyPrefix: 'auth-login', ...limits });
    this.limiter = redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${config.redis.keyPrefix}:auth-login`,
          insuranceLimiter: memory,
          ...limits,
        })
      : memory;
    this.logger.log(
      `login throttling counts failures in ${redis ? 'Redis (shared by all instances)' : 'process memory'}`,
    );
  }

  /**
   * Takes one attempt for `clientAddress`; throws LOGIN_THROTTLED (with retryAfterSeconds) when the address has
   * used them all. Call `succeeded` after a correct password; a failed one simply keeps the point.
   */
  async attempt(clientAddress: string): Promise<void> {
    try {
      await this.limiter.consume(keyOf(clientAddress));
    } catch (rejection: unknown) {
      // A RateLimiterRes rejection means "over the limit"; anything else is a store failure and propagates.
      if (rejection instanceof RateLimiterRes) throw AuthError.throttled(retryAfterSeconds(rejection));
      throw rejection;
    }
  }

  /** Seconds until `clientAddress` may try again, or 0 when it has attempts left. Takes nothing. */
  async blockedForSeconds(clientAddress: string): Promise<number> {
    const state = await this.limiter.get(keyOf(clientAddress));
    return state !== null && state.consumedPoints >= this.limiter.points ? retryAfterSeconds(state) : 0;
  }

  /**
   * Counts a login request that never reached the password check (malformed, oversized, nested, non-JSON body)
   * as a failure: junk must not be a free way to probe the endpoint or to load the server past the throttle.
   */
  async penalize(clientAddress: string): Promise<void> {
    await this.limiter.penalty(keyOf(clientAddress), 1);
  }

  async succeeded(clientAddress: string): Promise<void> {
    await this.limiter.delete(keyOf(clientAddress));
  }
}

function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** `::ffff:203.0.113.7` and `203.0.113.7` are the same client; dual-stack sockets report either form. */
export function keyOf(clientAddress: string): string {
  const address = clientAddress.trim().toLowerCase();
  return address.startsWith('::ffff:') && address.includes('.')
    ? address.slice('::ffff:'.length)
    : address || 'unknown';
}
