import { hashString32, Prng } from './prng';

describe(Prng.name, () => {
  it('should repeat the same stream when built from the same seed and name', () => {
    const a = Prng.from(42, 'BTCUSDT');
    const b = Prng.from(42, 'BTCUSDT');
    const xs = Array.from({ length: 1000 }, () => a.nextUint32());
    const ys = Array.from({ length: 1000 }, () => b.nextUint32());
    expect(xs).toEqual(ys);
  });

  it('should give independent streams when the seed or the stream name differs', () => {
    const first = (p: Prng): number[] => Array.from({ length: 8 }, () => p.nextUint32());
    const base = first(Prng.from(42, 'BTCUSDT'));
    expect(first(Prng.from(43, 'BTCUSDT'))).not.toEqual(base);
    expect(first(Prng.from(42, 'ETHUSDT'))).not.toEqual(base);
    expect(first(Prng.from('42', 'BTCUSDT'))).toEqual(base); // SIM_SEED read from the environment is a string
  });

  it('should draw values with the expected ranges and moments when sampled many times', () => {
    const p = Prng.from('moments');
    const n = 50_000;
    let sum = 0;
    let sumSq = 0;
    let expSum = 0;
    let poissonSum = 0;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const u = p.next();
      if (u < 0 || u >= 1) outOfRange++;
      const z = p.normal();
      sum += z;
      sumSq += z * z;
      expSum += p.exponential(3);
      poissonSum += p.poisson(2.5);
      const k = p.int(3, 7);
      if (k < 3 || k >= 7 || !Number.isInteger(k)) outOfRange++;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.03);
    expect(Math.abs(expSum / n - 3)).toBeLessThan(0.1);
    expect(Math.abs(poissonSum / n - 2.5)).toBeLessThan(0.05);
  });

  it('should produce version-4 shaped uuids when asked for trade ids', () => {
    const p = Prng.from(1);
    const ids = new Set(Array.from({ length: 1000 }, () => p.uuid()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('should hash close strings far apart when deriving stream keys', () => {
    expect(hashString32('a')).not.toBe(hashString32('b'));
    expect(hashString32('BTCUSDT')).toBe(hashString32('BTCUSDT'));
  });
});
