import { ExchangeError } from '../exchange.errors';
import { backoffDelay, sleep } from './backoff';

export type HttpMethod = 'GET' | 'POST';

export interface ReadRetryPolicy {
  /** Total tries, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface ReadRetryHooks {
  /** Called before a retry; e.g. resync the clock after 10002. */
  readonly beforeRetry?: (error: ExchangeError, attempt: number) => Promise<void> | void;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class NonIdempotentRetryError extends Error {
  constructor(method: string) {
    super(`Only idempotent reads (GET) may be retried, not ${method}`);
    this.name = 'NonIdempotentRetryError';
  }
}

/**
 * The delay before retrying `error`, or null when it must not be retried. Transient faults back off with jitter;
 * a rate limit waits for its reset when that is within maxDelayMs; a clock fault retries at once (after resync).
 * Business rejections, auth faults, an open breaker and local limiter timeouts are never retried.
 */
export function retryDelay(
  error: unknown,
  attempt: number,
  policy: ReadRetryPolicy,
  now: number,
  random: () => number,
): number | null {
  if (!(error instanceof ExchangeError)) return null;
  switch (error.fault) {
    case 'transient':
      return backoffDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, random);
    case 'clock':
      return 0;
    case 'rate-limit': {
      const wait = Math.max(0, (error.retryAtMs ?? now + policy.baseDelayMs) - now);
      return wait <= policy.maxDelayMs ? wait + Math.round(random() * policy.baseDelayMs) : null;
    }
    case 'business':
    case 'auth':
    case 'local':
      return null;
  }
}

/**
 * Retries an idempotent read. Refuses anything but GET: an order placement is never retried blindly (a timeout
 * leaves its outcome unknown; the caller reconciles by orderLinkId instead).
 */
export async function retryIdempotentRead<T>(
  method: HttpMethod,
  operation: () => Promise<T>,
  policy: ReadRetryPolicy,
  hooks: ReadRetryHooks = {},
): Promise<T> {
  if (method !== 'GET') throw new NonIdempotentRetryError(method);
  const now = hooks.now ?? Date.now;
  const random = hooks.random ?? Math.random;
  const wait = hooks.sleep ?? sleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.attempts) throw error;
      const delay = retryDelay(error, attempt, policy, now(), random);
      if (delay === null) throw error;
      await hooks.beforeRetry?.(error as ExchangeError, attempt);
      await wait(delay);
    }
  }
}
