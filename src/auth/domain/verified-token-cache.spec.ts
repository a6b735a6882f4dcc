import { TokenClaims } from './token-claims';
import { VerifiedTokenCache } from './verified-token-cache';

const T0_SECONDS = 1_764_000_000;
const T0_MS = T0_SECONDS * 1000;
const claims = (exp = T0_SECONDS + 3600): TokenClaims => ({ sub: 'operator', pwv: 1, iat: T0_SECONDS, exp });

describe(VerifiedTokenCache.name, () => {
  it('should return the claims of a remembered token before its expiry', () => {
    const sut = new VerifiedTokenCache(4);
    sut.remember('a.b.c', claims(), T0_MS);

    expect(sut.get('a.b.c', T0_MS + 3_599_999)).toEqual(claims());
  });

  it('should miss for any other string, even one differing in a single character', () => {
    const sut = new VerifiedTokenCache(4);
    sut.remember('a.b.c', claims(), T0_MS);

    expect(sut.get('a.b.C', T0_MS)).toBeUndefined();
    expect(sut.get('a.b.c ', T0_MS)).toBeUndefined();
  });

  it('should stop serving an entry from its exp second on and drop it', () => {
    const sut = new VerifiedTokenCache(4);
    sut.remember('a.b.c', claims(T0_SECONDS + 10), T0_MS);

    expect(sut.get('a.b.c', T0_MS + 9_999)).toBeDefined();
    expect(sut.get('a.b.c', T0_MS + 10_000)).toBeUndefined();
    expect(sut.size).toBe(0);
    expect(sut.get('a.b.c', T0_MS + 9_999)).toBeUndefined();
  });

  it('should not store a token that has already expired', () => {
    const sut = new VerifiedTokenCache(4);
    sut.remember('a.b.c', claims(T0_SECONDS), T0_MS);

    expect(sut.size).toBe(0);
  });

  it('should hold at most its capacity, evicting the oldest entry', () => {
    const sut = new VerifiedTokenCache(3);
    for (const token of ['t1', 't2', 't3', 't4', 't5']) sut.remember(token, claims(), T0_MS);

    expect(sut.size).toBe(3);
    expect(sut.get('t1', T0_MS)).toBeUndefined();
    expect(sut.get('t2', T0_MS)).toBeUndefined();
    expect(sut.get('t5', T0_MS)).toBeDefined();
  });

  it('should evict expired entries before live ones when full', () => {
    const sut = new VerifiedTokenCache(2);
    sut.remember('live', claims(T0_SECONDS + 3600), T0_MS);
    sut.remember('short', claims(T0_SECONDS + 1), T0_MS);

    sut.remember('new', claims(), T0_MS + 5_000);

    expect(sut.get('live', T0_MS + 5_000)).toBeDefined();
    expect(sut.get('new', T0_MS + 5_000)).toBeDefined();
  });

  it('should not grow when the same token is remembered again', () => {
    const sut = new VerifiedTokenCache(2);
    sut.remember('t1', claims(), T0_MS);
    sut.remember('t2', claims(), T0_MS);
    sut.remember('t2', claims(), T0_MS);

    expect(sut.get('t1', T0_MS)).toBeDefined();
    expect(sut.size).toBe(2);
  });

  it('should refuse a capacity below one', () => {
    expect(() => new VerifiedTokenCache(0)).toThrow(RangeError);
  });
});
