/**
 * The kinds every transport (HTTP filter, /ws, the bot) maps exhaustively.
 * A domain error names a closed code and one of these kinds; transports never look at messages.
 */
export type DomainErrorKind =
  | 'INVALID'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  /** Well-formed, but cannot be processed as sent (e.g. an Idempotency-Key reused with another body). */
  | 'UNPROCESSABLE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export abstract class DomainError<Code extends string = string> extends Error {
  protected constructor(
    readonly code: Code,
    readonly kind: DomainErrorKind,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unreachable value: ${String(value)}`);
}
