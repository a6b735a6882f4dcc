import { DomainError, DomainErrorKind } from '../common/domain-error';

/**
 * Closed set of auth failures and the kind each maps to. Messages are safe to show a client: they never say
 * which check of a token failed beyond expired/invalid, and never echo a password or a token.
 */
const AUTH_ERROR_KIND = {
  /** No `Authorization: Bearer` header. */
  MISSING_TOKEN: 'UNAUTHENTICATED',
  /** Malformed, wrongly signed, wrong algorithm, or claims of the wrong shape. */
  INVALID_TOKEN: 'UNAUTHENTICATED',
  TOKEN_EXPIRED: 'UNAUTHENTICATED',
  /** Issued before the last password change (its `pwv` is older than the stored password version). */
  TOKEN_REVOKED: 'UNAUTHENTICATED',
  /** Wrong password at login. */
  INVALID_CREDENTIALS: 'UNAUTHENTICATED',
  /** Wrong currentPassword at change-password: the caller is authenticated, so 403 rather than 401. */
  WRONG_PASSWORD: 'FORBIDDEN',
  PASSWORD_TOO_SHORT: 'INVALID',
  PASSWORD_TOO_LONG: 'INVALID',
  PASSWORD_UNCHANGED: 'INVALID',
  /** Too many failed attempts from this client address; details.retryAfterSeconds says when to come back. */
  LOGIN_THROTTLED: 'RATE_LIMITED',
  /** Another request (or instance) changed the password between our read and our write. */
  PASSWORD_CHANGE_CONFLICT: 'CONFLICT',
  /** Too many password checks are waiting already (a guessing flood); details.retryAfterSeconds. */
  LOGIN_BUSY: 'UNAVAILABLE',
  /** The credentials row is missing: bootstrap did not run or the table was emptied by hand. */
  CREDENTIALS_MISSING: 'UNAVAILABLE',
} as const satisfies Record<string, DomainErrorKind>;

export type AuthErrorCode = keyof typeof AUTH_ERROR_KIND;

const DEFAULT_MESSAGE: Record<AuthErrorCode, string> = {
  MISSING_TOKEN: 'Missing bearer token',
  INVALID_TOKEN: 'Invalid token',
  TOKEN_EXPIRED: 'Token expired',
  TOKEN_REVOKED: 'Token revoked by a password change; log in again',
  INVALID_CREDENTIALS: 'Invalid password',
  WRONG_PASSWORD: 'currentPassword is wrong',
  PASSWORD_TOO_SHORT: 'newPassword is too short',
  PASSWORD_TOO_LONG: 'newPassword is too long',
  PASSWORD_UNCHANGED: 'newPassword must differ from currentPassword',
  LOGIN_THROTTLED: 'Too many failed attempts; try again later',
  PASSWORD_CHANGE_CONFLICT: 'The password was changed concurrently; retry',
  CREDENTIALS_MISSING: 'Authentication is not available',
  LOGIN_BUSY: 'Too many logins in progress; retry shortly',
};

export class AuthError extends DomainError<AuthErrorCode> {
  constructor(code: AuthErrorCode, message?: string, details?: Readonly<Record<string, unknown>>) {
    super(code, AUTH_ERROR_KIND[code], message ?? DEFAULT_MESSAGE[code], details);
  }

  static throttled(retryAfterSeconds: number): AuthError {
    return new AuthError('LOGIN_THROTTLED', undefined, { retryAfterSeconds });
  }
}
