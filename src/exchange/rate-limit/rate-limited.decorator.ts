import type { RateLimiterRegistry } from './rate-limiter.registry';

/** A class whose methods are @RateLimited exposes its registry under this name. */
export interface RateLimitedHost {
  readonly rateLimits: RateLimiterRegistry;
}

/**
 * Runs the decorated async method through the limiter of `group` (and the global IP limiter):
 * it waits asynchronously for a token, or fails with RateLimitWaitExceeded after the maximum wait.
 */
export function RateLimited(group: string) {
  return function <A extends unknown[], R>(
    _target: RateLimitedHost,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<(...args: A) => Promise<R>>,
  ): TypedPropertyDescriptor<(...args: A) => Promise<R>> {
    const original = descriptor.value;
    if (!original) throw new Error('@RateLimited applies to methods only');
    descriptor.value = function (this: RateLimitedHost, ...args: A): Promise<R> {
      return this.rateLimits.schedule(group, () => original.apply(this, args));
    };
    return descriptor;
  };
}
