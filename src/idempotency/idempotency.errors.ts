import { DomainError, DomainErrorKind } from '../common/domain-error';

/** Closed set of idempotency refusals and the kind every transport maps them to. */
const IDEMPOTENCY_ERROR_KIND = {
  /** The Idempotency-Key header is empty, repeated, longer than 128 characters or not visible ASCII. */
  INVALID_IDEMPOTENCY_KEY: 'INVALID',
  /** The key was used before for a different request (body, path parameters or query). */
  IDEMPOTENCY_KEY_REUSED: 'UNPROCESSABLE',
  /** The first request with this key is still running; details.retryAfterSeconds becomes Retry-After. */
  IDEMPOTENCY_KEY_IN_PROGRESS: 'CONFLICT',
} as const satisfies Record<string, DomainErrorKind>;

export type IdempotencyErrorCode = keyof typeof IDEMPOTENCY_ERROR_KIND;

export class IdempotencyError extends DomainError<IdempotencyErrorCode> {
  constructor(code: IdempotencyErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, IDEMPOTENCY_ERROR_KIND[code], message, details);
  }
}
