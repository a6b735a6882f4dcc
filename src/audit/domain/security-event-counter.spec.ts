import { OVERFLOW_ADDRESS, SECURITY_EVENT_WINDOW_MS, SecurityEventCounter } from './security-event-counter';

describe('SecurityEventCounter', () => {
  const t0 = 1_764_000_000_000 - (1_764_000_000_000 % SECURITY_EVENT_WINDOW_MS);

  it('should count per window, kind and address', () => {
    const counter = new SecurityEventCounter(100);
    counter.add('login_failed', '203.0.113.7', t0 + 1);
    counter.add('login_failed', '203.0.113.7', t0 + 2);
    counter.add('login_throttled', '203.0.113.7', t0 + 3);
    counter.add('login_failed', '203.0.113.7', t0 + SECURITY_EVENT_WINDOW_MS);
    const taken = counter.take();
    expect(taken.map((c) => [c.windowStart.getTime() - t0, c.kind, c.count])).toEqual([
      [0, 'login_failed', 2],
      [0, 'login_throttled', 1],
      [SECURITY_EVENT_WINDOW_MS, 'login_failed', 1],
    ]);
    expect(taken[0].lastSeen.getTime()).toBe(t0 + 2);
    expect(counter.size).toBe(0);
  });

  it('should keep memory bounded and totals right under a flood from many addresses', () => {
    const counter = new SecurityEventCounter(10);
    for (let i = 0; i < 1000; i++) counter.add('login_failed', `10.0.${i >> 8}.${i & 255}`, t0 + i);
    expect(counter.size).toBe(11);
    const taken = counter.take();
    expect(taken.reduce((sum, c) => sum + c.count, 0)).toBe(1000);
    expect(taken.find((c) => c.clientAddress === OVERFLOW_ADDRESS)?.count).toBe(990);
  });

  it('should merge restored counts back', () => {
    const counter = new SecurityEventCounter(10);
    counter.add('login_failed', 'a', t0);
    const taken = counter.take();
    counter.add('login_failed', 'a', t0 + 5);
    counter.restore(taken);
    expect(counter.take().map((c) => c.count)).toEqual([2]);
  });
});
