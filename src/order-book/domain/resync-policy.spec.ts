import { RESYNC_MIN_INTERVAL_MS, ResyncPolicy } from './resync-policy';

describe(ResyncPolicy.name, () => {
  it('should send the first request at once and at most one per window after it', () => {
    const policy = new ResyncPolicy();
    expect(policy.requestNow(5_000)).toBe(true);
    expect(policy.requestNow(5_000 + RESYNC_MIN_INTERVAL_MS - 1)).toBe(false);
    expect(policy.requestNow(5_000 + RESYNC_MIN_INTERVAL_MS)).toBe(true);
    expect(policy.requests).toBe(2);
  });

  it('should count a resubscribe made by the stream as a request', () => {
    const policy = new ResyncPolicy(500);
    policy.requestedBy(1_000);
    expect(policy.requestNow(1_400)).toBe(false);
    expect(policy.requestNow(1_500)).toBe(true);
    expect(policy.requests).toBe(1);
  });
});
