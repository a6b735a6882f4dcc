import { DomainError, DomainErrorKind } from '../common/domain-error';

/** Closed set of risk failures and the kind every transport maps them to. */
const RISK_ERROR_KIND = {
  /** The database refused the value itself (an SQL data exception): the caller's input, not an outage. */
  KILL_SWITCH_INPUT_NOT_STORABLE: 'INVALID',
  /** The kill-switch change could not be stored (database down, constraint, trigger): nothing was changed. */
  KILL_SWITCH_NOT_STORED: 'UNAVAILABLE',
} as const satisfies Record<string, DomainErrorKind>;

export type RiskErrorCode = keyof typeof RISK_ERROR_KIND;

export class RiskError extends DomainError<RiskErrorCode> {
  constructor(code: RiskErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, RISK_ERROR_KIND[code], message, details);
  }
}

/** PostgreSQL's SQLSTATE class 22 (data exception): the value cannot be stored as sent. */
const DATA_EXCEPTION_CLASS = '22';

/** The typed error for a kill-switch write that failed; the change it carried was not made. */
export function killSwitchWriteError(change: 'activate' | 'reset', cause: unknown): RiskError {
  const sqlState = (cause as { code?: unknown } | null)?.code;
  if (typeof sqlState === 'string' && sqlState.startsWith(DATA_EXCEPTION_CLASS))
    return new RiskError(
      'KILL_SWITCH_INPUT_NOT_STORABLE',
      `The kill switch was not changed: the database cannot store the ${change} as sent`,
      { sqlState },
    );
  return new RiskError(
    'KILL_SWITCH_NOT_STORED',
    `The kill switch was not changed: the ${change} could not be stored; retry when the database is reachable`,
  );
}
