import { DomainError, DomainErrorKind } from '../common/domain-error';

/**
 * Closed set of exchange failures and the kind every transport maps them to.
 * `fault` says what the failure means for resilience: only `transient` faults count against a circuit breaker
 * and only they (plus `rate-limit` and `clock`, after waiting or resyncing) are retried, and only for reads.
 */
const EXCHANGE_ERROR_KIND = {
  /** The exchange refused the request on its merits (price band, qty filters, unknown code…). */
  REJECTED: 'CONFLICT',
  /** 10001 and friends: the request was malformed; a bug on our side. */
  INVALID_REQUEST: 'INVALID',
  /** 110004/110007/110012/110044: balance or margin insufficient. */
  INSUFFICIENT_BALANCE: 'CONFLICT',
  /** 110001: the order does not exist (reconcile). */
  ORDER_NOT_FOUND: 'NOT_FOUND',
  /** 110008/110010: the order is already filled or cancelled (treat as closed). */
  ORDER_CLOSED: 'CONFLICT',
  /** 110072: the orderLinkId was used before: an idempotent hit; look the order up by orderLinkId. */
  DUPLICATE_ORDER_LINK_ID: 'CONFLICT',
  /** 110079: the order is being processed; retry later. */
  ORDER_BUSY: 'CONFLICT',
  /** 10006 or HTTP 403/429 from the IP limit: wait for the reset. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The local limiter could not grant a token within RATE_LIMIT_MAX_WAIT_MS. */
  RATE_LIMIT_WAIT_EXCEEDED: 'RATE_LIMITED',
  /** 10002: our timestamp is outside the recv window; the clock is resynced. */
  CLOCK_SKEW: 'UNAVAILABLE',
  /** 10003/10004/10005/10010: wrong key, signature, permission or IP binding: fatal configuration. */
  AUTH_FAILED: 'UNAVAILABLE',
  /** 10016, HTTP 5xx, connection refused/reset: the exchange or the network is down. */
  EXCHANGE_UNAVAILABLE: 'UNAVAILABLE',
  /** No answer in time. For a write the outcome is unknown: reconcile by orderLinkId, never resend blindly. */
  TIMEOUT: 'UNAVAILABLE',
  /** The circuit breaker of the endpoint group is open: fail fast without calling the exchange. */
  CIRCUIT_OPEN: 'UNAVAILABLE',
  /** The answer could not be understood (missing fields, unknown enum value). */
  BAD_RESPONSE: 'INTERNAL',
  /** Private endpoints need BYBIT_API_KEY and BYBIT_API_SECRET. */
  NO_CREDENTIALS: 'UNAVAILABLE',
} as const satisfies Record<string, DomainErrorKind>;

export type ExchangeErrorCode = keyof typeof EXCHANGE_ERROR_KIND;

/** What a failure means for breakers and retries (see bybit/bybit.errors.ts for the code table). */
export type ExchangeFault = 'business' | 'rate-limit' | 'clock' | 'auth' | 'transient' | 'local';

export interface ExchangeErrorDetails {
  readonly fault: ExchangeFault;
  /** Bybit retCode, when the exchange answered with one. */
  readonly retCode?: number;
  readonly retMsg?: string;
  /** HTTP status, when the exchange answered with a non-200. */
  readonly httpStatus?: number;
  /** Endpoint group the call belonged to. */
  readonly group?: string;
  /** For rate limits: epoch ms when the limit resets. */
  readonly retryAtMs?: number;
}

export class ExchangeError extends DomainError<ExchangeErrorCode> {
  readonly fault: ExchangeFault;
  readonly retCode?: number;
  readonly httpStatus?: number;
  readonly retryAtMs?: number;

  constructor(code: ExchangeErrorCode, message: string, details: ExchangeErrorDetails) {
    super(code, EXCHANGE_ERROR_KIND[code], message, { ...details });
    this.fault = details.fault;
    this.retCode = details.retCode;
    this.httpStatus = details.httpStatus;
    this.retryAtMs = details.retryAtMs;
  }
}

/** Thrown when a limiter cannot grant a token within the maximum wait. */
export class RateLimitWaitExceeded extends ExchangeError {
  constructor(
    readonly group: string,
    readonly maxWaitMs: number,
  ) {
    super('RATE_LIMIT_WAIT_EXCEEDED', `No ${group} rate-limit token within ${maxWaitMs} ms`, { fault: 'local', group });
  }
}

export class CircuitOpenError extends ExchangeError {
  constructor(readonly group: string) {
    super('CIRCUIT_OPEN', `The ${group} circuit breaker is open`, { fault: 'local', group });
  }
}

/** Only exchange or network faults trip a breaker: a business rejection proves the exchange is up. */
export function countsAsBreakerFailure(error: unknown): boolean {
  if (error instanceof ExchangeError) return error.fault === 'transient';
  return true; // an unexpected throw (bug in the SDK path) is treated as a fault of the call
}
