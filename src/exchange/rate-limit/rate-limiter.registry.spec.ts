import type Bottleneck from 'bottleneck';
import { RateLimitWaitExceeded } from '../exchange.errors';
import { localReservoirOf } from './bottleneck-local-tokens';
import { RateLimited, RateLimitedHost } from './rate-limited.decorator';
import { RateLimiterRegistry } from './rate-limiter.registry';

const WINDOW = 200;

function registry(
  overrides: { limit?: number; ipLimit?: number; maxWaitMs?: number; safetyFactor?: number; windowMs?: number } = {},
): RateLimiterRegistry {
  const windowMs = overrides.windowMs ?? WINDOW;
  return new RateLimiterRegistry(
    { trade: { limit: overrides.limit ?? 10, windowMs }, market: { limit: null, windowMs } },
    { limit: overrides.ipLimit ?? 1000, windowMs },
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
    await Promise.all(
      Array.from({ length: 200 }, () => sut.schedule('trade', async () => void starts.push(Date.now()))),
    );
    const elapsed = Date.now() - t0;
    expect(starts).toHaveLength(200);
    expect(maxInWindow(starts, WINDOW)).toBeLessThanOrEqual(40); // Bybit's rolling window sees ≤ the published limit
    expect(elapsed).toBeGreaterThanOrEqual((200 / 20 - 1) * WINDOW); // average ≤ the configured 20 per window
  }, 20_000);

  it('should chain every group to the global IP limit', async () => {
    sut = registry({ limit: null as unknown as number, ipLimit: 10 }); // 5 per window for everything
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        sut.schedule(i % 2 ? 'trade' : 'market', async () => void starts.push(Date.now())),
      ),
    );
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
    await expect(sut.schedule('trade', async () => undefined)).rejects.toMatchObject({
      code: 'RATE_LIMIT_WAIT_EXCEEDED',
    });
  });

  it('should resize to the limit the exchange reports and shrink to its remaining count', async () => {
    sut = registry({ limit: 10 });
    sut.observe('trade', { limit: 20, remaining: 3, resetAtMs: Date.now() });
    await new Promise((r) => setTimeout(r, 20));
    const status = (await sut.status()).find((s) => s.group === 'trade');
    expect(status).toMatchObject({
      limit: 20,
      capacity: 10,
      tokensLeft: 3,
      exchange: expect.objectContaining({ remaining: 3 }),
    });
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
    const sut = new RateLimiterRegistry(
      { trade: { limit: 10, windowMs: 200 } },
      { limit: 600, windowMs: 5000 },
      { safetyFactor: 0.5, maxWaitMs: 1000 },
    );
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

describe('RateLimiterRegistry fast path (in-memory limits, tokens left, nobody waiting)', () => {
  let sut: RateLimiterRegistry;
  afterEach(async () => sut.stop());

  const statusOf = async (group: string) => (await sut.status()).find((s) => s.group === group)!;

  it('should start the task before schedule() returns when the group and the IP limiter are idle with tokens', async () => {
    sut = registry({ limit: 10 });
    let started = false;
    const result = sut.schedule('trade', async () => {
      started = true;
      return 'sent';
    });
    expect(started).toBe(true); // synchronously: no timer, no event-loop turn in between
    await expect(result).resolves.toBe('sent');
  });

  it('should start only `capacity` calls of a burst at once and queue the rest for the next window', async () => {
    sut = registry({ limit: 10, maxWaitMs: 5000, windowMs: 600 }); // 5 per 600 ms window
    let startedSynchronously = 0;
    let syncPhase = true;
    const calls = Array.from({ length: 8 }, () =>
      sut.schedule('trade', async () => {
        if (syncPhase) startedSynchronously += 1;
      }),
    );
    syncPhase = false;
    expect(startedSynchronously).toBe(5);
    expect(await statusOf('trade')).toMatchObject({
      capacity: 5,
      tokensLeft: 0,
      granted: 5,
      queued: 3,
      utilisation: 1,
    });
    await Promise.all(calls); // the other 3 once the window refills
    expect(await statusOf('trade')).toMatchObject({ granted: 8, tokensLeft: 2, queued: 0 });
  });

  it('should never take more than the capacity of a window, fast and queued calls mixed, and count every token', async () => {
    sut = registry({ limit: 10, maxWaitMs: 20_000 }); // 5 per 200 ms window
    const log: Array<'refill' | 'take' | 'start'> = [];
    let lowest = Infinity;
    const reservoir = localReservoirOf(
      (sut as unknown as { entries: Map<string, { limiter: Bottleneck }> }).entries.get('trade')!.limiter,
    )!;
    let tokens = reservoir.storeOptions.reservoir;
    // Observe Bottleneck's own reservoir: every take (fast path or Bottleneck's register) and every refill.
    Object.defineProperty(reservoir.storeOptions, 'reservoir', {
      get: () => tokens,
      set: (value: number) => {
        log.push(value < (tokens ?? 0) ? 'take' : 'refill');
        lowest = Math.min(lowest, value);
        tokens = value;
      },
    });
    const starts: number[] = [];
    const work: Array<Promise<unknown>> = [];
    const call = () => work.push(sut.schedule('trade', async () => void (log.push('start'), starts.push(Date.now()))));
    for (let i = 0; i < 12; i++) call(); // a burst of 2.4 windows' worth
    for (let wave = 0; wave < 6; wave++) {
      await new Promise((r) => setTimeout(r, 70));
      for (let i = 0; i < 3; i++) call(); // more while the queue drains, or after it has: fast when idle
    }
    await Promise.all(work);
    expect(starts).toHaveLength(30);
    expect(lowest).toBeGreaterThanOrEqual(0);
    expect(log.filter((e) => e === 'take')).toHaveLength(30); // every started task took exactly one token
    let taken = 0;
    for (const event of log) {
      if (event === 'refill') taken = 0;
      else if (event === 'take') taken += 1;
      expect(taken).toBeLessThanOrEqual(5); // per window, whatever path the call took
    }
    expect(maxInWindow(starts, WINDOW)).toBeLessThanOrEqual(10); // what the venue's rolling window sees
    expect(await statusOf('trade')).toMatchObject({ granted: 30, queued: 0, running: 0 });
  }, 20_000);

  it('should give the tokens back in the next window and take the fast path again', async () => {
    sut = registry({ limit: 10, windowMs: 600 });
    for (let i = 0; i < 5; i++) await sut.schedule('trade', async () => undefined);
    expect((await statusOf('trade')).tokensLeft).toBe(0);
    await new Promise((r) => setTimeout(r, 600 + 60)); // one window plus the heartbeat
    expect((await statusOf('trade')).tokensLeft).toBe(5);
    let started = false;
    const next = sut.schedule('trade', async () => void (started = true));
    expect(started).toBe(true);
    await next;
    expect(await statusOf('trade')).toMatchObject({ tokensLeft: 4, granted: 6 });
  });

  it('should charge the IP limiter too, and keep status() truthful while fast tasks run', async () => {
    sut = registry({ limit: 10, ipLimit: 20, windowMs: 5000 }); // trade 5, IP 10 per window
    let release!: () => void;
    const held = sut.schedule('trade', () => new Promise<void>((r) => (release = r)));
    await sut.schedule('market', async () => undefined);
    await sut.schedule('market', async () => undefined);
    expect(await statusOf('trade')).toMatchObject({
      granted: 1,
      tokensLeft: 4,
      utilisation: 0.2,
      running: 1,
      queued: 0,
    });
    expect(await statusOf('market')).toMatchObject({ granted: 2, capacity: null, tokensLeft: null });
    expect(await statusOf('ip')).toMatchObject({ capacity: 10, tokensLeft: 7, utilisation: 0.3 });
    release();
    await held;
    expect((await statusOf('trade')).running).toBe(0);
  });

  it('should queue behind the IP limiter when only the IP limiter is out of tokens', async () => {
    sut = registry({ limit: 10, ipLimit: 2 }); // trade 5, IP 1 per window
    await sut.schedule('market', async () => undefined); // the one IP token
    let started = false;
    const queued = sut.schedule('trade', async () => void (started = true));
    expect(started).toBe(false);
    await queued; // once the IP window refills
    expect(started).toBe(true);
    expect((await statusOf('trade')).granted).toBe(1);
  });

  it('should keep calls in order: no fast call overtakes calls queued for the next window', async () => {
    sut = registry({ limit: 10, maxWaitMs: 5000 });
    const order: string[] = [];
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 5; i++) work.push(sut.schedule('trade', async () => void order.push(`fast${i}`)));
    for (let i = 0; i < 5; i++) work.push(sut.schedule('trade', async () => void order.push(`queued${i}`)));
    const reservoir = localReservoirOf(
      (sut as unknown as { entries: Map<string, { limiter: Bottleneck }> }).entries.get('trade')!.limiter,
    )!;
    // The moment the window refills, before the queued calls have all been let through, one more call arrives.
    while (!(reservoir.storeOptions.reservoir! > 0) && !order.includes('queued0'))
      await new Promise((r) => setImmediate(r));
    work.push(sut.schedule('trade', async () => void order.push('late')));
    await Promise.all(work);
    expect(order).toEqual([
      'fast0',
      'fast1',
      'fast2',
      'fast3',
      'fast4',
      'queued0',
      'queued1',
      'queued2',
      'queued3',
      'queued4',
      'late',
    ]);
  }, 10_000);

  it('should not take the fast path while the group is paused', async () => {
    let clock = 1_000_000;
    sut = new RateLimiterRegistry(
      { trade: { limit: 10, windowMs: WINDOW } },
      { limit: 1000, windowMs: WINDOW },
      { safetyFactor: 0.5, maxWaitMs: 5000, heartbeatMs: 10, now: () => clock },
    );
    sut.pause('trade', clock + 50);
    let started = false;
    const paused = sut.schedule('trade', async () => void (started = true));
    expect(started).toBe(false);
    clock += 100;
    await paused;
    expect(started).toBe(true);
  });

  it('should reject a task that throws synchronously and an unknown group, without consuming the caller', async () => {
    sut = registry({ limit: 10, windowMs: 5000 });
    await expect(
      sut.schedule('trade', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(sut.schedule('nope', async () => undefined)).rejects.toThrow('Unknown rate-limit group nope');
    expect(await statusOf('trade')).toMatchObject({ granted: 1, tokensLeft: 4, running: 0 }); // the token was spent: the task ran
  });
});

describe('RateLimiterRegistry with the fast path off', () => {
  it('should run every call through Bottleneck, as before: the task starts on a later turn', async () => {
    const sut = new RateLimiterRegistry(
      { trade: { limit: 10, windowMs: 5000 } },
      { limit: 1000, windowMs: 5000 },
      { safetyFactor: 0.5, maxWaitMs: 1000, heartbeatMs: 10, fastPath: false },
    );
    try {
      let started = false;
      const call = sut.schedule('trade', async () => void (started = true));
      expect(started).toBe(false);
      await call;
      expect(started).toBe(true);
      sut.setFastPath(true);
      const fast = sut.schedule('trade', async () => void (started = false));
      expect(started).toBe(false); // this one ran at once
      await fast;
      expect((await sut.status()).find((s) => s.group === 'trade')).toMatchObject({ granted: 2, tokensLeft: 3 });
    } finally {
      await sut.stop();
    }
  });
  it('should count tokens on a caller-driven clock: tryTake, refillElapsed and nextRefillMs (a backtest)', async () => {
    let now = 1_000_000;
    const sut = new RateLimiterRegistry(
      { trade: { limit: 10, windowMs: 1000 } },
      { limit: 1000, windowMs: 5000 },
      { safetyFactor: 0.5, maxWaitMs: 2000, heartbeatMs: 2 ** 30, now: () => now, fastPath: true },
    );
    try {
      sut.refillElapsed(now); // the windows start here
      const taken = Array.from({ length: 6 }, () => sut.tryTake('trade'));
      expect(taken).toEqual([true, true, true, true, true, false]); // 10/s × 0.5
      expect(sut.nextRefillMs('trade')).toBe(1_001_000);
      now = 1_000_999;
      sut.refillElapsed(now);
      expect(sut.tryTake('trade')).toBe(false); // the window has not elapsed
      now = 1_002_500; // two and a half windows later: refilled once, window aligned to 1_002_000
      sut.refillElapsed(now);
      expect(sut.tryTake('trade')).toBe(true);
      expect((await sut.status()).find((s) => s.group === 'trade')).toMatchObject({ granted: 6, tokensLeft: 4 });
    } finally {
      await sut.stop();
    }
  });
});
