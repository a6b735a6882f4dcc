/**
 * The claims this service puts in (and accepts from) its JWTs. Pure helpers: time comes in as an argument.
 */
export interface TokenClaims {
  /** The principal; a single operator, so always OPERATOR_SUBJECT for tokens we issue. */
  readonly sub: string;
  /** Password version at issue time; a token whose pwv is older than the stored version is revoked. */
  readonly pwv: number;
  /** Issued at, seconds since the epoch (RFC 7519). */
  readonly iat: number;
  /** Expires at, seconds since the epoch (RFC 7519). */
  readonly exp: number;
}

/** The one operator of a self-hosted bot; tokens name it so logs and audit rows have an actor. */
export const OPERATOR_SUBJECT = 'operator';

/**
 * Narrows a verified JWT payload to TokenClaims, or null when a claim is missing or of the wrong type.
 * The signature was checked before this runs; this guards against tokens we signed in another shape
 * (or a future format) being half-understood.
 */
export function parseTokenClaims(payload: unknown): TokenClaims | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const { sub, pwv, iat, exp } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || sub.length === 0) return null;
  if (!isPositiveInteger(pwv) || !isPositiveInteger(iat) || !isPositiveInteger(exp)) return null;
  return { sub, pwv, iat, exp };
}

/** True when a password change happened after the token was issued. */
export function isRevoked(claims: TokenClaims, currentPasswordVersion: number): boolean {
  return claims.pwv !== currentPasswordVersion;
}

export interface TokenValidity {
  readonly subject: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** Whole seconds until expiry, never negative. */
  readonly expiresInSeconds: number;
}

export function tokenValidity(claims: TokenClaims, nowMs: number): TokenValidity {
  const expiresAtMs = claims.exp * 1000;
  return {
    subject: claims.sub,
    issuedAt: new Date(claims.iat * 1000),
    expiresAt: new Date(expiresAtMs),
    expiresInSeconds: Math.max(0, Math.floor((expiresAtMs - nowMs) / 1000)),
  };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
