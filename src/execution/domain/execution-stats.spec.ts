import * as fc from 'fast-check';
import { ExecutionStatsRecorder } from './execution-stats';
import { LatencyWindow } from './latency-window';

function aWindow(samples: readonly number[], capacity = 1024): LatencyWindow {
  const window = new LatencyWindow(capacity);
  for (const sample of samples) window.record(sample);
  return window;
}

describe(LatencyWindow.name, () => {
  it('should report null percentiles and mean when nothing was recorded', () => {
    const sut = new LatencyWindow(8);

    expect(sut.percentiles([50, 99])).toEqual([null, null]);
    expect(sut.mean()).toBeNull();
    expect(sut.count).toBe(0);
  });

  it('should pick nearest-rank percentiles when samples arrive out of order', () => {
    // 1..10 shuffled: rank ⌈p/100 × 10⌉.
    const sut = aWindow([7, 3, 10, 1, 9, 2, 8, 4, 6, 5]);

    expect(sut.percentiles([0, 10, 11, 50, 51, 90, 99, 100])).toEqual([1, 1, 2, 5, 6, 9, 10, 10]);
    expect(sut.mean()).toBe(5.5);
  });

  it('should keep only the newest samples when more than its capacity are recorded', () => {
    const sut = aWindow([100, 200, 1, 2, 3, 4], 4);

    expect(sut.percentiles([0, 100])).toEqual([1, 4]);
    expect(sut.mean()).toBe(2.5);
    // count is every sample ever recorded, not the window.
    expect(sut.count).toBe(6);
  });

  it.each([-1, -0.001, NaN, Infinity, -Infinity])('should ignore a sample when it is %p', (bad) => {
    const sut = aWindow([5, bad, 7]);

    expect(sut.count).toBe(2);
    expect(sut.percentiles([0, 100])).toEqual([5, 7]);
  });

  it('should keep a sample when it is 0', () => {
    expect(aWindow([0]).percentiles([50])).toEqual([0]);
  });

  it('should return a sample at least as large as p % of the window when asked for any percentile', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 100 }),
        (samples, p) => {
          const [value] = aWindow(samples).percentiles([p]);

          const atOrBelow = samples.filter((s) => s <= value!).length;
          const below = samples.filter((s) => s < value!).length;
          expect(samples).toContain(value);
          expect(atOrBelow).toBeGreaterThanOrEqual(Math.ceil((p / 100) * samples.length));
          expect(below).toBeLessThan(Math.ceil((p / 100) * samples.length));
        },
      ),
    );
  });
});

describe(ExecutionStatsRecorder.name, () => {
  let sut: ExecutionStatsRecorder;

  beforeEach(() => {
    sut = new ExecutionStatsRecorder();
  });

  it('should report zero counts and null figures when nothing was recorded', () => {
    const empty = { count: 0, p50: null, p90: null, p99: null, max: null, mean: null };

    expect(sut.summary()).toEqual({
      sent: 0,
      acknowledged: 0,
      sendFailures: 0,
      duplicatesSuppressed: 0,
      signalToSendMs: empty,
      signalToAckMs: empty,
      signalToFillMs: empty,
      slippageBps: empty,
    });
  });

  it('should count each event and keep each latency apart when all kinds are recorded', () => {
    sut.recordSent(1);
    sut.recordSent(3);
    sut.recordAck(20);
    sut.recordSendFailure();
    sut.recordDuplicate();
    sut.recordDuplicate();
    sut.recordFirstFill(45.5, 'Buy', 100, 100);

    const summary = sut.summary();

    expect(summary).toMatchObject({ sent: 2, acknowledged: 1, sendFailures: 1, duplicatesSuppressed: 2 });
    expect(summary.signalToSendMs).toEqual({ count: 2, p50: 1, p90: 3, p99: 3, max: 3, mean: 2 });
    expect(summary.signalToAckMs).toMatchObject({ count: 1, p50: 20, max: 20 });
    expect(summary.signalToFillMs).toMatchObject({ count: 1, p50: 45.5, max: 45.5 });
  });

  it.each([
    ['a Buy fills above the signal', 'Buy', 100, 100.05, 5],
    ['a Sell fills below the signal', 'Sell', 100, 99.95, 5],
    ['a Buy fills below the signal (improvement)', 'Buy', 100, 99.9, -10],
    ['a Sell fills above the signal (improvement)', 'Sell', 100, 100.1, -10],
    ['the fill is at the signal price', 'Buy', 50_000, 50_000, 0],
  ] as const)('should record the slippage in bps when %s', (_case, side, signal, fill, bps) => {
    sut.recordFirstFill(10, side, signal, fill);

    expect(sut.summary().slippageBps).toEqual({ count: 1, p50: bps, p90: bps, p99: bps, max: bps, mean: bps });
  });

  it('should average signed slippage over fills when some improve and some slip', () => {
    sut.recordFirstFill(1, 'Buy', 100, 100.2); // +20
    sut.recordFirstFill(1, 'Sell', 200, 200.1); // -5
    sut.recordFirstFill(1, 'Buy', 100, 99.99); // -1

    expect(sut.summary().slippageBps).toMatchObject({ count: 3, p50: -1, max: 20, mean: 4.667 });
  });

  it.each([
    ['no signal price', 0, 100],
    ['no fill price', 100, 0],
    ['a NaN fill price', 100, NaN],
  ])('should record the fill latency but no slippage when there is %s', (_case, signal, fill) => {
    sut.recordFirstFill(12, 'Buy', signal, fill);

    const summary = sut.summary();
    expect(summary.signalToFillMs.count).toBe(1);
    expect(summary.slippageBps.count).toBe(0);
  });
});
