/**
 * Specs of multi-instance behaviour need a shared Redis: they run when the global setup found one
 * (TEST_REDIS_URL, default redis://127.0.0.1:6379; CI has it) and are reported as skipped otherwise.
 */
export const testRedisUrl = process.env.TEST_REDIS_URL || undefined;
export const describeWithRedis = testRedisUrl ? describe : describe.skip;
