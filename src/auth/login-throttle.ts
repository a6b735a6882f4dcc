import { Inject, Injectable, Logger } from '@nestjs/common';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
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
 * Counters live in this process's memory: a restart forgets them and instances behind a load balancer count
 * separately. REDIS_URL would make them shared (RateLimiterRedis), but ioredis is not a dependency yet.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);
  private readonly limiter: RateLimiterAbstract;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.redis.url) {
      // TODO(scale): RateLimiterRedis once a Redis client is a dependency (SPEC §12).
      this.logger.warn('REDIS_URL is set, but login throttling still counts per instance (in memory)');
    }
    this.limiter = new RateLimiterMemory({
      keyPrefix: 'auth-login',
      points: config.auth.loginMaxFailures,
      duration: config.auth.loginWindowSeconds,
    });
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
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address || 'unknown';
}
