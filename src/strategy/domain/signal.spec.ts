import fc from 'fast-check';
import { SIGNAL_ID_MAX_LENGTH, SIGNAL_ID_PATTERN, fnv1a64Hex, signalId } from './signal';

describe(signalId.name, () => {
  const base = { strategy: 'imbalance', symbol: 'BTCUSDT', side: 'Buy' as const, u: 123456, seq: 98765432 };

  it('should give the same id when given the same strategy, symbol, side and book state', () => {
    expect(signalId(base)).toBe(signalId({ ...base }));
  });

  it('should give a readable id when every part is alphanumeric and it fits in 36 chars', () => {
    expect(signalId(base)).toBe(`imbalance-BTCUSDT-B-${(98765432).toString(36)}-${(123456).toString(36)}`);
  });

  it('should give different ids when u, seq, side, symbol or strategy differ', () => {
    const ids = [
      signalId(base),
      signalId({ ...base, u: base.u + 1 }),
      signalId({ ...base, seq: base.seq + 1 }),
      signalId({ ...base, side: 'Sell' }),
      signalId({ ...base, symbol: 'ETHUSDT' }),
      signalId({ ...base, strategy: 'toy' }),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('should fall back to a fixed-length hashed id when the readable one would exceed 36 chars', () => {
    const id = signalId({
      ...base,
      symbol: '1000000BABYDOGEUSDT',
      u: Number.MAX_SAFE_INTEGER,
      seq: Number.MAX_SAFE_INTEGER,
    });

    expect(id).toMatch(/^hB[0-9a-f]{16}$/);
    expect(id).toBe(
      signalId({ ...base, symbol: '1000000BABYDOGEUSDT', u: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER }),
    );
  });

  it('should fall back to the hashed id when a part has characters outside [A-Za-z0-9]', () => {
    expect(signalId({ ...base, strategy: 'my-strat' })).toMatch(/^hB[0-9a-f]{16}$/);
    expect(signalId({ ...base, strategy: 'my-strat' })).not.toBe(signalId({ ...base, strategy: 'my_strat' }));
  });

  it('should reject u or seq when they are not non-negative safe integers', () => {
    expect(() => signalId({ ...base, u: -1 })).toThrow(RangeError);
    expect(() => signalId({ ...base, seq: 1.5 })).toThrow(RangeError);
    expect(() => signalId({ ...base, u: Number.NaN })).toThrow(RangeError);
  });

  it('should always be a valid Bybit orderLinkId (≤ 36 chars of [A-Za-z0-9_-]) and injective when parts vary', () => {
    const parts = fc.record({
      strategy: fc.string({ minLength: 1, maxLength: 24 }),
      symbol: fc.string({ minLength: 1, maxLength: 24 }),
      side: fc.constantFrom('Buy' as const, 'Sell' as const),
      u: fc.nat(),
      seq: fc.maxSafeNat(),
    });
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        const ia = signalId(a);
        expect(ia.length).toBeLessThanOrEqual(SIGNAL_ID_MAX_LENGTH);
        expect(ia).toMatch(SIGNAL_ID_PATTERN);
        const same =
          a.strategy === b.strategy && a.symbol === b.symbol && a.side === b.side && a.u === b.u && a.seq === b.seq;
        expect(ia === signalId(b)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });
});

describe(fnv1a64Hex.name, () => {
  it('should match the published FNV-1a 64 vectors when hashing ASCII', () => {
    expect(fnv1a64Hex('')).toBe('cbf29ce484222325');
    expect(fnv1a64Hex('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64Hex('foobar')).toBe('85944171f73967e8');
  });
});
