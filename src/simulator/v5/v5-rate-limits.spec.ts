import { V5RateLimits } from './v5-rate-limits';

describe(V5RateLimits.name, () => {
  it('should allow the endpoint limit per second per uid and report what is left', () => {
    const sut = new V5RateLimits();
    const decisions = Array.from({ length: 11 }, () => sut.takeEndpoint('uid-1', '/v5/order/create', 1_000));
    expect(decisions.slice(0, 10).every((d) => d?.allowed)).toBe(true);
    expect(decisions[0]?.headers).toEqual({
      'X-Bapi-Limit': '10',
      'X-Bapi-Limit-Status': '9',
      'X-Bapi-Limit-Reset-Timestamp': '1000',
    });
    expect(decisions[10]).toEqual({
      allowed: false,
      headers: { 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': '0', 'X-Bapi-Limit-Reset-Timestamp': '2000' },
    });
  });

  it('should count uids and endpoints separately and reset after the window', () => {
    const sut = new V5RateLimits();
    for (let i = 0; i < 10; i++) sut.takeEndpoint('uid-1', '/v5/order/create', 1_000);
    expect(sut.takeEndpoint('uid-2', '/v5/order/create', 1_100)?.allowed).toBe(true);
    expect(sut.takeEndpoint('uid-1', '/v5/order/cancel', 1_100)?.allowed).toBe(true);
    expect(sut.takeEndpoint('uid-1', '/v5/order/create', 1_999)?.allowed).toBe(false);
    expect(sut.takeEndpoint('uid-1', '/v5/order/create', 2_000)?.allowed).toBe(true);
  });

  it('should leave public endpoints to the IP limit', () => {
    const sut = new V5RateLimits();
    expect(sut.takeEndpoint('uid-1', '/v5/market/orderbook', 0)).toBeUndefined();
    const allowed = Array.from({ length: 601 }, () => sut.takeIp('127.0.0.1', 0));
    expect(allowed.filter(Boolean)).toHaveLength(600);
    expect(sut.takeIp('127.0.0.1', 5_000)).toBe(true);
  });
});
