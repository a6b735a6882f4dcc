import { ExchangeError } from '../exchange.errors';
import { backoffDelay } from './backoff';
import { NonIdempotentRetryError, retryIdempotentRead } from './retry';

const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
const transient = () => new ExchangeError('EXCHANGE_UNAVAILABLE', 'down', { fault: 'transient' });
const business = () => new ExchangeError('INSUFFICIENT_BALANCE', 'no funds', { fault: 'business', retCode: 110007 });

describe(retryIdempotentRead.name, () => {
  it('should retry a GET on transient faults with growing jittered delays', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retryIdempotentRead(
      'GET',
      async () => {
        calls += 1;
        if (calls < 4) throw transient();
        return 'ok';
      },
      policy,
      { sleep: async (ms) => void delays.push(ms), random: () => 0.5 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(delays).toEqual([75, 150, 300]);
  });

  it('should never retry a POST', async () => {
    let calls = 0;
    await expect(
      retryIdempotentRead(
        'POST',
        async () => {
          calls += 1;
          throw transient();
        },
        policy,
      ),
    ).rejects.toBeInstanceOf(NonIdempotentRetryError);
    expect(calls).toBe(0);
  });

  it('should not retry business rejections', async () => {
    let calls = 0;
    await expect(
      retryIdempotentRead(
        'GET',
        async () => {
          calls += 1;
          throw business();
        },
        policy,
        { sleep: async () => undefined },
      ),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
    expect(calls).toBe(1);
  });

  it('should give up after the configured attempts', async () => {
    let calls = 0;
    await expect(
      retryIdempotentRead(
        'GET',
        async () => {
          calls += 1;
          throw transient();
        },
        policy,
        { sleep: async () => undefined },
      ),
    ).rejects.toMatchObject({ code: 'EXCHANGE_UNAVAILABLE' });
    expect(calls).toBe(4);
  });

  it('should wait for a rate-limit reset and resync before a clock retry', async () => {
    const now = 10_000;
    const delays: number[] = [];
    const resyncs: string[] = [];
    let calls = 0;
    await retryIdempotentRead(
      'GET',
      async () => {
        calls += 1;
        if (calls === 1)
          throw new ExchangeError('RATE_LIMITED', '10006', { fault: 'rate-limit', retryAtMs: now + 400 });
        if (calls === 2) throw new ExchangeError('CLOCK_SKEW', '10002', { fault: 'clock' });
        return 'ok';
      },
      policy,
      {
        now: () => now,
        random: () => 0,
        sleep: async (ms) => void delays.push(ms),
        beforeRetry: (e) => void resyncs.push(e.code),
      },
    );
    expect(delays).toEqual([400, 0]);
    expect(resyncs).toEqual(['RATE_LIMITED', 'CLOCK_SKEW']);
  });
});

describe(backoffDelay.name, () => {
  it('should stay between half and all of the capped exponential delay', () => {
    for (let attempt = 1; attempt < 12; attempt += 1) {
      const ceiling = Math.min(5000, 100 * 2 ** (attempt - 1));
      expect(backoffDelay(attempt, 100, 5000, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(attempt, 100, 5000, () => 1)).toBe(ceiling);
    }
  });
});
