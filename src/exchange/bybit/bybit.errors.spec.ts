import { countsAsBreakerFailure, ExchangeError, RateLimitWaitExceeded } from '../exchange.errors';
import { classifyRetCode, errorFromRetCode, errorFromTransport } from './bybit.errors';

describe('Bybit error classification', () => {
  it.each([
    [110007, 'INSUFFICIENT_BALANCE', 'business'],
    [110072, 'DUPLICATE_ORDER_LINK_ID', 'business'],
    [110001, 'ORDER_NOT_FOUND', 'business'],
    [110008, 'ORDER_CLOSED', 'business'],
    [10001, 'INVALID_REQUEST', 'business'],
    [10006, 'RATE_LIMITED', 'rate-limit'],
    [10002, 'CLOCK_SKEW', 'clock'],
    [10003, 'AUTH_FAILED', 'auth'],
    [10004, 'AUTH_FAILED', 'auth'],
    [10016, 'EXCHANGE_UNAVAILABLE', 'transient'],
    [999999, 'REJECTED', 'business'],
  ])('should map retCode %i to %s (%s)', (retCode, code, fault) => {
    expect(classifyRetCode(retCode)).toEqual({ code, fault });
  });

  it('should not count business rejections against the breaker but count transient faults', () => {
    expect(countsAsBreakerFailure(errorFromRetCode(110007, 'Available balance is insufficient', 'trade'))).toBe(false);
    expect(countsAsBreakerFailure(errorFromRetCode(110072, 'duplicate', 'trade'))).toBe(false);
    expect(countsAsBreakerFailure(errorFromRetCode(10006, 'Too many visits!', 'trade'))).toBe(false);
    expect(countsAsBreakerFailure(new RateLimitWaitExceeded('trade', 100))).toBe(false);
    expect(countsAsBreakerFailure(errorFromRetCode(10016, 'server error', 'trade'))).toBe(true);
  });

  it('should map HTTP and network failures from bybit-api to typed errors', () => {
    const now = 1_000_000;
    const http503 = errorFromTransport(
      { code: 503, message: 'Service Unavailable', body: '', headers: {} },
      'market',
      now,
    );
    expect(http503).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', fault: 'transient', httpStatus: 503 });
    const http403 = errorFromTransport(
      { code: 403, message: 'Forbidden', body: 'access too frequent', headers: {} },
      'market',
      now,
    );
    expect(http403).toMatchObject({ code: 'RATE_LIMITED', fault: 'rate-limit', retryAtMs: now + 600_000 });
    const refused = errorFromTransport(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'trade',
      now,
    );
    expect(refused).toMatchObject({ code: 'EXCHANGE_UNAVAILABLE', fault: 'transient' });
    const timeout = errorFromTransport(
      Object.assign(new Error('timeout of 50ms exceeded'), { code: 'ECONNABORTED' }),
      'trade',
      now,
    );
    expect(timeout).toMatchObject({ code: 'TIMEOUT', fault: 'transient', kind: 'UNAVAILABLE' });
    expect(timeout).toBeInstanceOf(ExchangeError);
  });
});
