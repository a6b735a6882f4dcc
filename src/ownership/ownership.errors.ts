import { DomainError, DomainErrorKind } from '../common/domain-error';

/** Why this instance may not trade its symbols, and the kind every transport maps it to. */
const OWNERSHIP_ERROR_KIND = {
  /** Another instance holds at least one of the symbols: a standby, or two instances configured alike. */
  SYMBOLS_HELD_ELSEWHERE: 'CONFLICT',
  /** Not decided yet, lost with its database session, or shutting down: temporary. */
  LEASE_NOT_HELD: 'UNAVAILABLE',
} as const satisfies Record<string, DomainErrorKind>;

export type OwnershipErrorCode = keyof typeof OWNERSHIP_ERROR_KIND;

export class OwnershipError extends DomainError<OwnershipErrorCode> {
  constructor(code: OwnershipErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, OWNERSHIP_ERROR_KIND[code], message, details);
  }
}
