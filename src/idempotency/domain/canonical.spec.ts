import { canonicalJson, stableHash } from './canonical';

describe('canonicalJson', () => {
  it('should sort keys recursively and keep array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('should drop undefined members like JSON.stringify, and keep array positions', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('should serialise dates through toJSON and non-finite numbers as null', () => {
    expect(canonicalJson({ t: new Date(Date.UTC(2026, 0, 2)) })).toBe('{"t":"2026-01-02T00:00:00.000Z"}');
    expect(canonicalJson([Number.NaN, Infinity])).toBe('[null,null]');
  });

  it('should refuse a cycle instead of overflowing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
  });

  it('should parse back to an equal value', () => {
    const value = { z: [1, 'two', { q: true }], a: { b: null }, ü: 'ñ' };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });
});

describe('stableHash', () => {
  it('should not depend on key order, at any depth', () => {
    expect(stableHash({ a: 1, b: { c: 2, d: 3 } })).toBe(stableHash({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('should be a sha256 hex digest', () => {
    expect(stableHash({})).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  it('should differ when any value differs', () => {
    const base = { a: 1, b: { c: [1, 2] } };
    const hashes = new Set([
      stableHash(base),
      stableHash({ a: 2, b: { c: [1, 2] } }),
      stableHash({ a: 1, b: { c: [2, 1] } }),
      stableHash({ a: 1, b: { c: [1, 2, 3] } }),
      stableHash({ a: '1', b: { c: [1, 2] } }),
      stableHash({ a: 1 }),
    ]);
    expect(hashes.size).toBe(6);
  });
});
