import { seededUuidFactory } from './sim-ids';

describe(seededUuidFactory.name, () => {
  it('should make distinct uuid-shaped ids that depend only on seed and counter', () => {
    const ids = seededUuidFactory(7);
    const seen = new Set<string>();
    for (let n = 0; n < 20_000; n++) {
      const id = ids(n);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(20_000);
    expect(seededUuidFactory(7)(123)).toBe(ids(123));
    expect(seededUuidFactory(8)(123)).not.toBe(ids(123));
  });
});

describe('seededUuidFactory epochs (accounts created again)', () => {
  it('should never repeat an id of another epoch, and keep epoch 0 as before', () => {
    const before = seededUuidFactory(42);
    const legacy = seededUuidFactory(42, 0);
    const first = seededUuidFactory(42, 1_765_000_000_000);
    const reset = seededUuidFactory(42, 1_765_000_000_001);
    const seen = new Set<string>();
    for (let n = 1; n <= 5_000; n++) {
      expect(legacy(n)).toBe(before(n));
      seen.add(before(n));
      seen.add(first(n));
      seen.add(reset(n));
    }
    expect(seen.size).toBe(15_000);
    expect(seededUuidFactory(42, 1_765_000_000_000)(77)).toBe(first(77)); // reproducible per (seed, epoch)
  });
});
