import { TokenClaims } from './token-claims';

/** How many verified tokens are kept. One operator holds a few tokens at a time; each login adds one. */
export const VERIFIED_TOKEN_CACHE_SIZE = 256;

/**
 * Tokens whose signature (HS256, our secret) and claim shape were already checked, keyed by the exact token
 * string, so a repeated request skips the JWT decode and HMAC. Only a token that passed full verification is ever
 * stored: a token altered in any byte, or signed with another secret, is another string and misses. An entry is
 * served only while `now < exp` (the same bound as the verifier: a token is expired from its `exp` second on) and
 * is dropped once it has expired. It says nothing about revocation: the password-version check runs on every
 * request, cached or not. Bounded: when full, the entry stored first goes.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, TokenClaims>();

  constructor(private readonly capacity: number = VERIFIED_TOKEN_CACHE_SIZE) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  /** The claims of `token` if it was verified before and has not expired at `nowMs`; undefined otherwise. */
  get(token: string, nowMs: number): TokenClaims | undefined {
    const claims = this.entries.get(token);
    if (claims === undefined) return undefined;
    if (nowMs >= claims.exp * 1000) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  /** Stores a token that has just passed full verification; an already expired one is not stored. */
  remember(token: string, claims: TokenClaims, nowMs: number): void {
    if (nowMs >= claims.exp * 1000) return;
    if (!this.entries.has(token) && this.entries.size >= this.capacity) this.evictOne(nowMs);
    this.entries.set(token, claims);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops the expired entries if there are any, otherwise the oldest one. */
  private evictOne(nowMs: number): void {
    for (const [token, claims] of this.entries) {
      if (nowMs >= claims.exp * 1000) this.entries.delete(token);
    }
    if (this.entries.size < this.capacity) return;
    const oldest = this.entries.keys().next();
    if (oldest.done !== true) this.entries.delete(oldest.value);
  }
}
