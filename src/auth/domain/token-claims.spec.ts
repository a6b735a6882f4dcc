import { isRevoked, parseTokenClaims, TokenClaims, tokenValidity } from './token-claims';

const T0_SECONDS = 1_764_000_000;
const claims = (overrides: Partial<TokenClaims> = {}): TokenClaims => ({
  sub: 'operator',
  pwv: 1,
  iat: T0_SECONDS,
  exp: T0_SECONDS + 3600,
  ...overrides,
});

describe(parseTokenClaims.name, () => {
  it('should accept the claims this service issues', () => {
    expect(parseTokenClaims({ ...claims(), extra: 'ignored' })).toEqual(claims());
  });

  it.each([
    ['no pwv', { sub: 'operator', iat: T0_SECONDS, exp: T0_SECONDS + 1 }],
    ['pwv as string', { ...claims(), pwv: '1' }],
    ['pwv zero', { ...claims(), pwv: 0 }],
    ['fractional pwv', { ...claims(), pwv: 1.5 }],
    ['empty sub', { ...claims(), sub: '' }],
    ['no exp', { sub: 'operator', pwv: 1, iat: T0_SECONDS }],
    ['no iat', { sub: 'operator', pwv: 1, exp: T0_SECONDS }],
  ])('should refuse a payload with %s', (_, payload) => {
    expect(parseTokenClaims(payload)).toBeNull();
  });

  it.each([null, undefined, 'a string', 42])('should refuse a non-object payload %p', (payload) => {
    expect(parseTokenClaims(payload)).toBeNull();
  });
});

describe(isRevoked.name, () => {
  it('should keep a token of the current password version', () => {
    expect(isRevoked(claims({ pwv: 3 }), 3)).toBe(false);
  });

  it('should revoke a token issued before a password change', () => {
    expect(isRevoked(claims({ pwv: 2 }), 3)).toBe(true);
  });

  it('should revoke a token from a version the database no longer has (e.g. restored backup)', () => {
    expect(isRevoked(claims({ pwv: 4 }), 3)).toBe(true);
  });
});

describe(tokenValidity.name, () => {
  it('should report ISO-able times and whole seconds left', () => {
    const validity = tokenValidity(claims(), T0_SECONDS * 1000 + 1_500);
    expect(validity).toEqual({
      subject: 'operator',
      issuedAt: new Date(T0_SECONDS * 1000),
      expiresAt: new Date((T0_SECONDS + 3600) * 1000),
      expiresInSeconds: 3598,
    });
  });

  it('should never report negative seconds left', () => {
    expect(tokenValidity(claims(), (T0_SECONDS + 7200) * 1000).expiresInSeconds).toBe(0);
  });
});
