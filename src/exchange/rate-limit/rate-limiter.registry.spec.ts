import { RateLimitWaitExceeded } from '../exchange.errors';
import { RateLimited, RateLimitedHost } from './rate-limited.decorator';
import { RateLimiterRegistry } from './rate-limiter.registry';

const WINDOW = 200;

function registry(overrides: { limit?: number; ipLimit?: number; maxWaitMs?: number; safetyFactor?: number } = {}): RateLimiterRegistry {
  return new RateLimiterRegistry(
    { trade: { limit: overrides.limit ?? 10, windowMs: WINDOW }, market: { limit: null, windowMs: WINDOW } },
    { limit: overrides.ipLimit ?? 1000, windowMs: WINDOW },
    { safetyFactor: overrides.safetyFactor ?? 0.5, maxWaitMs: overrides.maxWaitMs ?? 10_000, heartbeatMs: 10 },
  );
}

/** Most starts inside any window of `windowMs` (sliding, half-open). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i] - sorted[j] >= windowMs) j += 1;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe(RateLimiterRegistry.name, () => {
  let sut: RateLimiterRegistry;
  afterEach(async () => sut.stop());

  it('should never exceed the published rate for 200 queued calls', async () => {
    sut = registry({ limit: 40, maxWaitMs: 60_000 }); // 20 per 200 ms window after the 0.5 safety factor
    const starts: number[] = [];
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 200 }, () => sut.schedule('trade', async () => void starts.push(Date.now()))));
    const elapsed = Date.now() - t0;
    expect(starts).toHaveLength(200);
    expect(maxInWindow(starts, WINDOW)).toBeLessThanOrEqual(40); // Bybit's rolling window sees ≤ the published limit
    expect(elapsed).toBeGreaterThanOrEqual((200 / 20 - 1) * WINDOW); // average ≤ the configured 20 per window
  }, 20_000);

  it('should chain every group to the global IP limit', async () => {
    sut = registry({ limit: null as unknown as number, ipLimit: 10 }); // 5 per window for everything
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 15 }, (_, i) => sut.schedule(i % 2 ? 'trade' : 'market', async () => void starts.push(Date.now()))));
    expect(maxInWindow(starts, WINDOW)).toBeLessThanOrEqual(10);
  });

  it('should fail with RateLimitWaitExceeded after the maximum wait and never run the task', async () => {
    sut = registry({ limit: 2, maxWaitMs: 50 }); // 1 token per window
    await sut.schedule('trade', async () => 'first');
    let ran = false;
    const started = Date.now();
    await expect(sut.schedule('trade', async () => void (ran = true))).rejects.toBeInstanceOf(RateLimitWaitExceeded);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await new Promise((r) => setTimeout(r, WINDOW + 50));
    expect(ran).toBe(false);
    const status = (await sut.status()).find((s) => s.group === 'trade');
    expect(status?.waitExceeded).toBe(1);
  });

  it('should pause the group until the reset timestamp when the exchange reports none left', async () => {
    sut = registry({ limit: 10, maxWaitMs: 1000 });
    sut.observe('trade', { limit: 10, remaining: 0, resetAtMs: Date.now() + 300 });
    const started = Date.now();
    await sut.schedule('trade', async () => undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('should fail at once when the reset is beyond the maximum wait', async () => {
    sut = registry({ limit: 10, maxWaitMs: 100 });
    sut.observe('trade', { limit: 10, remaining: 0, resetAtMs: Date.now() + 5000 });
    await expect(sut.schedule('trade', async () => undefined)).rejects.toMatchObject({ code: 'RATE_LIMIT_WAIT_EXCEEDED' });
  });

  it('should resize to the limit the exchange reports and shrink to its remaining count', async () => {
    sut = registry({ limit: 10 });
    sut.observe('trade', { limit: 20, remaining: 3, resetAtMs: Date.now() });
    await new Promise((r) => setTimeout(r, 20));
    const status = (await sut.status()).find((s) => s.group === 'trade');
    expect(status).toMatchObject({ limit: 20, capacity: 10, tokensLeft: 3, exchange: expect.objectContaining({ remaining: 3 }) });
    expect(status?.utilisation).toBeCloseTo(0.7);
  });

  it('should report tokens left, queued and utilisation', async () => {
    sut = registry({ limit: 10 });
    await sut.schedule('trade', async () => undefined);
    await sut.schedule('trade', async () => undefined);
    const trade = (await sut.status()).find((s) => s.group === 'trade');
    expect(trade).toMatchObject({ capacity: 5, tokensLeft: 3, queued: 0, utilisation: 0.4, granted: 2 });
  });

  it('should apply limits through the @RateLimited decorator', async () => {
    sut = registry({ limit: 2, maxWaitMs: 30 });
    class Client implements RateLimitedHost {
      constructor(readonly rateLimits: RateLimiterRegistry) {}
      calls = 0;
      @RateLimited('trade')
      async send(value: string): Promise<string> {
        this.calls += 1;
        return value;
      }
    }
    const client = new Client(sut);
    await expect(client.send('a')).resolves.toBe('a');
    await expect(client.send('b')).rejects.toBeInstanceOf(RateLimitWaitExceeded);
    expect(client.calls).toBe(1);
  });
});

describe('RateLimiterRegistry refill after observing the exchange', () => {
  it('should keep refilling every window after the exchange reported fewer requests left than tokens held', async () => {
    const sut = new RateLimiterRegistry({ trade: { limit: 10, windowMs: 200 } }, { limit: 600, windowMs: 5000 }, { safetyFactor: 0.5, maxWaitMs: 1000 });
    try {
      sut.observe('trade', { limit: 10, remaining: 1, resetAtMs: Date.now() });
      await new Promise((r) => setTimeout(r, 20));
      expect((await sut.status()).find((s) => s.group === 'trade')?.tokensLeft).toBe(1);
      await new Promise((r) => setTimeout(r, 450));
      expect((await sut.status()).find((s) => s.group === 'trade')?.tokensLeft).toBe(5);
      // Regression (Bottleneck#185): 30 calls at 5 per 200 ms window must all get through, not stall after the first window.
      const started = Date.now();
      await Promise.all(Array.from({ length: 15 }, () => sut.schedule('trade', async () => undefined)));
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await sut.stop();
    }
  });
});
