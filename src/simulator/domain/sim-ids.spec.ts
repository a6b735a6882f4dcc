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
