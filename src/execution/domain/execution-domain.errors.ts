import { DomainError, DomainErrorKind } from '../../common/domain-error';

/** Closed set of failures of the pure execution domain (state machines, exchange status mapping). */
const EXECUTION_DOMAIN_ERROR_KIND = {
  /** A state machine refused a move its transition table does not allow (e.g. cancelling a filled order). */
  INVALID_TRANSITION: 'CONFLICT',
  /** A persisted status/history pair cannot be restored (unknown status, or history ending elsewhere). */
  INVALID_HISTORY: 'INTERNAL',
  /** Bybit sent an `orderStatus` outside its documented enum, or a malformed `cumExecQty`. */
  UNKNOWN_EXCHANGE_STATUS: 'INVALID',
} as const satisfies Record<string, DomainErrorKind>;

export type ExecutionDomainErrorCode = keyof typeof EXECUTION_DOMAIN_ERROR_KIND;

export type StateMachineName = 'order' | 'position';

export abstract class ExecutionDomainError extends DomainError<ExecutionDomainErrorCode> {
  protected constructor(code: ExecutionDomainErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, EXECUTION_DOMAIN_ERROR_KIND[code], message, details);
  }
}

export class InvalidTransitionError extends ExecutionDomainError {
  constructor(
    readonly machine: StateMachineName,
    readonly from: string,
    readonly to: string,
  ) {
    super('INVALID_TRANSITION', `The ${machine} cannot move from ${from} to ${to}`, { machine, from, to });
  }
}

export class InvalidHistoryError extends ExecutionDomainError {
  constructor(
    readonly machine: StateMachineName,
    readonly status: string,
    reason: string,
  ) {
    super('INVALID_HISTORY', `Cannot restore the ${machine} in status ${status}: ${reason}`, {
      machine,
      status,
      reason,
    });
  }
}

export class UnknownExchangeOrderStatusError extends ExecutionDomainError {
  constructor(
    readonly exchangeStatus: unknown,
    readonly cumExecQty?: unknown,
  ) {
    super(
      'UNKNOWN_EXCHANGE_STATUS',
      `Unknown Bybit order status ${JSON.stringify(exchangeStatus)} (cumExecQty ${JSON.stringify(cumExecQty)})`,
      { exchangeStatus, cumExecQty },
    );
  }
}
