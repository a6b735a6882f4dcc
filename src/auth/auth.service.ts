import { Inject, Injectable } from '@nestjs/common';
import { JwtService, TokenExpiredError } from '@nestjs/jwt';
import type { KeyObject } from 'node:crypto';
import { Clock } from '../common/clock';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { EventBus } from '../infra/events/event-bus';
import { currentTraceId } from '../infra/tracing/trace-context';
import { AuthCredentialsRepository, StoredCredentials } from './auth-credentials.repository';
import { AuthError } from './auth.error';
import { checkNewPassword, NEW_PASSWORD_FIELD } from './domain/password-policy';
import {
  isRevoked,
  OPERATOR_SUBJECT,
  parseTokenClaims,
  TokenClaims,
  tokenValidity,
  TokenValidity,
} from './domain/token-claims';
import { VERIFIED_TOKEN_CACHE_SIZE, VerifiedTokenCache } from './domain/verified-token-cache';
import { BcryptQueueFullError } from './bcrypt-worker';
import { GlobalLoginBudget } from './global-login-budget';
import { JWT_ALGORITHMS, jwtVerificationKey } from './jwt.options';
import { LoginThrottle } from './login-throttle';
import { BCRYPT_MAX_PASSWORD_BYTES, PasswordHasher } from './password-hasher';
import { PasswordVersionCache } from './password-version.cache';

/** What an authenticated request carries as `request.user`: the verified claims of its token. */
export type AuthPrincipal = TokenClaims;

export interface IssuedToken {
  readonly accessToken: string;
  readonly tokenType: 'bearer';
  readonly expiresInSeconds: number;
}

export interface ChangePasswordInput {
  readonly currentPassword: string;
  readonly newPassword: string;
}

/**
 * Login, password change and token verification for the single operator. HTTP, the /ws gateway and the JWT
 * strategy all go through here, so they refuse the same tokens for the same reasons.
 */
@Injectable()
export class AuthService {
  private readonly verified = new VerifiedTokenCache(VERIFIED_TOKEN_CACHE_SIZE);
  private readonly verificationKey: KeyObject;

  constructor(
    private readonly credentials: AuthCredentialsRepository,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly versions: PasswordVersionCache,
    private readonly throttle: LoginThrottle,
    private readonly globalBudget: GlobalLoginBudget,
    private readonly events: EventBus,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.verificationKey = jwtVerificationKey(config);
  }

  /** Exchanges the password for a token. Throws INVALID_CREDENTIALS (401) or LOGIN_THROTTLED (429). */
  async login(password: string, clientAddress: string): Promise<IssuedToken> {
    await this.attempt(clientAddress);
    const stored = await this.storedCredentials();
    if (!(await this.checkPassword(password, stored.passwordHash, clientAddress))) {
      this.events.publish('auth.login-failed', { traceId: currentTraceId(), clientAddress, throttled: false });
      throw new AuthError('INVALID_CREDENTIALS');
    }
    await this.throttle.succeeded(clientAddress);
    this.globalBudget.succeeded(clientAddress);
    return this.issue(stored.passwordVersion);
  }

  /**
   * Replaces the password and returns a fresh token, so the caller stays logged in while every token issued
   * before (here or on another instance, and across restarts) is refused from now on.
   * A wrong current password counts against the same per-address throttle as a failed login: a stolen token must
   * not become an unlimited oracle for guessing the password itself.
   */
  async changePassword(
    principal: AuthPrincipal,
    input: ChangePasswordInput,
    clientAddress: string,
  ): Promise<IssuedToken> {
    await this.attempt(clientAddress);
    const stored = await this.storedCredentials();
    if (!(await this.checkPassword(input.currentPassword, stored.passwordHash, clientAddress))) {
      this.events.publish('auth.password-check-failed', {
        traceId: currentTraceId(),
        actor: principal.sub,
        clientAddress,
      });
      throw new AuthError('WRONG_PASSWORD');
    }
    await this.throttle.succeeded(clientAddress);

    const violation = checkNewPassword(input.currentPassword, input.newPassword, {
      minLength: this.config.auth.passwordMinLength,
      maxBytes: BCRYPT_MAX_PASSWORD_BYTES,
    });
    if (violation) throw new AuthError(violation.code, violation.message, { field: NEW_PASSWORD_FIELD });

    const passwordHash = await this.hasher.hash(input.newPassword);
    const version = await this.credentials.replacePassword(stored.passwordVersion, passwordHash);
    if (version === null) {
      // Someone changed it between our read and our write; our view of the version is stale too.
      this.versions.invalidate();
      throw new AuthError('PASSWORD_CHANGE_CONFLICT');
    }
    this.versions.remember(version);
    this.events.publish('auth.password-changed', {
      traceId: currentTraceId(),
      actor: principal.sub,
      passwordVersion: version,
    });
    return this.issue(version);
  }

  /** Validity of the token the request was authenticated with. */
  validity(principal: AuthPrincipal): TokenValidity {
    return tokenValidity(principal, this.clock.nowMs());
  }

  /**
   * Verifies a raw token: signature (HS256 only, our secret), expiry by this service's clock (no leeway), claim
   * shape, and not revoked by a password change. The HTTP guard (JwtStrategy) and the /ws gateway at connect both
   * call it. Throws AuthError (UNAUTHENTICATED), or the database's error when the password version cannot be read.
   *
   * The first three checks are done once per token string and remembered until the token's `exp`
   * (VerifiedTokenCache: a token differing in any byte is verified in full); the password-version check runs
   * every time, so a password change revokes a cached token at once, like an uncached one.
   */
  verifyToken(token: string): Promise<AuthPrincipal> {
    const nowMs = this.clock.nowMs();
    let claims = this.verified.get(token, nowMs);
    if (claims === undefined) {
      try {
        claims = this.verifySignedClaims(token, nowMs);
      } catch (error: unknown) {
        return Promise.reject(error);
      }
      this.verified.remember(token, claims, nowMs);
    }
    return this.notRevoked(claims);
  }

  /**
   * Second half of verification, for a payload whose signature and expiry were already checked (by verifyToken;
   * the /ws gateway re-checks the principal of its open connections): shape of the claims and the password version.
   */
  async principalOf(payload: unknown): Promise<AuthPrincipal> {
    const claims = parseTokenClaims(payload);
    if (!claims) throw new AuthError('INVALID_TOKEN');
    return this.notRevoked(Object.freeze(claims));
  }

  /**
   * The password-version check, on every request: a token issued before the last password change is refused.
   * Not async: with the version fresh in its cache (the usual case) the verdict is one settled promise.
   */
  private notRevoked(claims: AuthPrincipal): Promise<AuthPrincipal> {
    const fresh = this.versions.fresh();
    if (fresh !== undefined) {
      return isRevoked(claims, fresh) ? Promise.reject(new AuthError('TOKEN_REVOKED')) : Promise.resolve(claims);
    }
    return this.versions.current().then((version) => {
      if (isRevoked(claims, version)) throw new AuthError('TOKEN_REVOKED');
      return claims;
    });
  }

  /** jsonwebtoken's full check (signature with the pinned algorithm, expiry at `nowMs`), then the claims' shape. */
  private verifySignedClaims(token: string, nowMs: number): TokenClaims {
    let payload: unknown;
    try {
      payload = this.jwt.verify<object>(token, {
        // jsonwebtoken accepts a KeyObject (the typings say string | Buffer); see jwtVerificationKey.
        secret: this.verificationKey as unknown as string,
        algorithms: JWT_ALGORITHMS,
        ignoreExpiration: false,
        clockTimestamp: Math.floor(nowMs / 1000),
      });
    } catch (error: unknown) {
      throw tokenError(error);
    }
    const claims = parseTokenClaims(payload);
    if (!claims) throw new AuthError('INVALID_TOKEN');
    return Object.freeze(claims);
  }

  /**
   * One bcrypt comparison under the global budget: refused (429) without running while the budget is blown
   * (except for trusted addresses, which also go first in the queue), refused (503 LOGIN_BUSY) when too many
   * checks are already waiting; a wrong password spends from the budget.
   */
  private async checkPassword(password: string, passwordHash: string, clientAddress: string): Promise<boolean> {
    const blockedFor = this.globalBudget.blockedForSeconds(clientAddress);
    if (blockedFor > 0) {
      this.events.publish('auth.login-failed', { traceId: currentTraceId(), clientAddress, throttled: true });
      throw AuthError.throttled(blockedFor);
    }
    let matches: boolean;
    try {
      matches = await this.hasher.verify(password, passwordHash, {
        priority: this.globalBudget.isTrusted(clientAddress),
      });
    } catch (error: unknown) {
      if (error instanceof BcryptQueueFullError) {
        // A full queue means a flood: it spends from the budget like a wrong password, or it would never run out.
        this.globalBudget.failed();
        throw new AuthError('LOGIN_BUSY', undefined, { retryAfterSeconds: 1 });
      }
      throw error;
    }
    if (!matches) this.globalBudget.failed();
    return matches;
  }

  private async attempt(clientAddress: string): Promise<void> {
    try {
      await this.throttle.attempt(clientAddress);
    } catch (error: unknown) {
      if (error instanceof AuthError && error.code === 'LOGIN_THROTTLED') {
        this.events.publish('auth.login-failed', { traceId: currentTraceId(), clientAddress, throttled: true });
      }
      throw error;
    }
  }

  private async storedCredentials(): Promise<StoredCredentials> {
    const stored = await this.credentials.find();
    if (!stored) throw new AuthError('CREDENTIALS_MISSING');
    return stored;
  }

  private async issue(passwordVersion: number): Promise<IssuedToken> {
    const accessToken = await this.jwt.signAsync({ sub: OPERATOR_SUBJECT, pwv: passwordVersion });
    return { accessToken, tokenType: 'bearer', expiresInSeconds: this.config.auth.jwtExpiresInSeconds };
  }
}

/**
 * Maps a jsonwebtoken verification failure to a typed error. The client learns "expired" or
 * "invalid", never which check failed or why (no library messages in responses).
 */
export function tokenError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof TokenExpiredError) return new AuthError('TOKEN_EXPIRED');
  // JsonWebTokenError (bad signature, algorithm, format), NotBeforeError, or anything unexpected: all "invalid".
  return new AuthError('INVALID_TOKEN');
}
