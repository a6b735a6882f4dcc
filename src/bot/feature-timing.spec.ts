import { FEATURE_TIMING_SAMPLE_EVERY, isTimedFrame } from './feature-timing';

describe(isTimedFrame.name, () => {
  it('should time exactly one frame in FEATURE_TIMING_SAMPLE_EVERY, evenly spaced', () => {
    const timed = Array.from({ length: 64 }, (_, frame) => frame).filter(isTimedFrame);

    expect(timed).toHaveLength(64 / FEATURE_TIMING_SAMPLE_EVERY);
    expect(timed.every((frame, i) => frame === i * FEATURE_TIMING_SAMPLE_EVERY)).toBe(true);
  });

  it('should sample a power of two, so the test is one mask', () => {
    expect(Number.isInteger(Math.log2(FEATURE_TIMING_SAMPLE_EVERY))).toBe(true);
    expect(FEATURE_TIMING_SAMPLE_EVERY).toBeGreaterThan(1);
  });
});
