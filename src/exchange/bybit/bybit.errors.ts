import { ExchangeError, ExchangeErrorCode, ExchangeFault } from '../exchange.errors';

interface CodeRule {
  readonly code: ExchangeErrorCode;
  readonly fault: ExchangeFault;
}

/**
 * https://bybit-exchange.github.io/docs/v5/error (BYBIT.md §9). A closed table: a code not listed is a business
 * rejection (the exchange answered, so it is up), never a breaker failure.
 */
export const BYBIT_RET_CODES: Readonly<Record<number, CodeRule>> = {
  10001: { code: 'INVALID_REQUEST', fault: 'business' },
  10002: { code: 'CLOCK_SKEW', fault: 'clock' },
  10003: { code: 'AUTH_FAILED', fault: 'auth' },
  10004: { code: 'AUTH_FAILED', fault: 'auth' },
  10005: { code: 'AUTH_FAILED', fault: 'auth' },
  10010: { code: 'AUTH_FAILED', fault: 'auth' },
  10006: { code: 'RATE_LIMITED', fault: 'rate-limit' },
  10016: { code: 'EXCHANGE_UNAVAILABLE', fault: 'transient' },
  110001: { code: 'ORDER_NOT_FOUND', fault: 'business' },
  110003: { code: 'INVALID_REQUEST', fault: 'business' },
  110004: { code: 'INSUFFICIENT_BALANCE', fault: 'business' },
  110007: { code: 'INSUFFICIENT_BALANCE', fault: 'business' },
  110012: { code: 'INSUFFICIENT_BALANCE', fault: 'business' },
  110044: { code: 'INSUFFICIENT_BALANCE', fault: 'business' },
  110008: { code: 'ORDER_CLOSED', fault: 'business' },
  110010: { code: 'ORDER_CLOSED', fault: 'business' },
  110017: { code: 'INVALID_REQUEST', fault: 'business' },
  110020: { code: 'REJECTED', fault: 'business' },
  110094: { code: 'INVALID_REQUEST', fault: 'business' },
  110043: { code: 'REJECTED', fault: 'business' },
  110072: { code: 'DUPLICATE_ORDER_LINK_ID', fault: 'business' },
  110079: { code: 'ORDER_BUSY', fault: 'business' },
};

const UNLISTED: CodeRule = { code: 'REJECTED', fault: 'business' };

/** The rule for a retCode≠0 answered with HTTP 200. */
export function classifyRetCode(retCode: number): CodeRule {
  return BYBIT_RET_CODES[retCode] ?? UNLISTED;
}

export function errorFromRetCode(retCode: number, retMsg: string, group: string, retryAtMs?: number): ExchangeError {
  const rule = classifyRetCode(retCode);
  return new ExchangeError(rule.code, `Bybit ${retCode}: ${retMsg}`, {
    fault: rule.fault,
    retCode,
    retMsg,
    group,
    retryAtMs,
  });
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_NETWORK',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/**
 * Maps what `bybit-api` throws to a typed error: `{code: httpStatus, message, body, headers}` for a non-200, an axios
 * error (no response) for network faults and timeouts, or a plain string when the request could not be built.
 */
export function errorFromTransport(thrown: unknown, group: string, nowMs: number): ExchangeError {
  if (thrown instanceof ExchangeError) return thrown;
  const value = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as Record<string, unknown>;
  const status = typeof value.code === 'number' ? value.code : undefined;
  if (status !== undefined && 'body' in value) {
    const body = value.body as { retCode?: unknown; retMsg?: unknown } | undefined;
    if (body && typeof body.retCode === 'number' && body.retCode !== 0) {
      return errorFromRetCode(body.retCode, String(body.retMsg ?? ''), group);
    }
    if (status === 403 || status === 429) {
      // 403 is the IP limit ("access too frequent"; Bybit asks for ≥10 min of silence), 429 system protection.
      const retryAtMs = nowMs + (status === 403 ? 10 * 60_000 : 1000);
      return new ExchangeError('RATE_LIMITED', `Bybit HTTP ${status}`, {
        fault: 'rate-limit',
        httpStatus: status,
        group,
        retryAtMs,
      });
    }
    if (status === 401)
      return new ExchangeError('AUTH_FAILED', 'Bybit HTTP 401', { fault: 'auth', httpStatus: status, group });
    if (status >= 500)
      return new ExchangeError('EXCHANGE_UNAVAILABLE', `Bybit HTTP ${status}`, {
        fault: 'transient',
        httpStatus: status,
        group,
      });
    return new ExchangeError('INVALID_REQUEST', `Bybit HTTP ${status}`, {
      fault: 'business',
      httpStatus: status,
      group,
    });
  }
  const code = typeof value.code === 'string' ? value.code : undefined;
  const message =
    typeof value.message === 'string' ? value.message : typeof thrown === 'string' ? thrown : String(thrown);
  if (code && TIMEOUT_CODES.has(code))
    return new ExchangeError('TIMEOUT', `Bybit request timed out (${code})`, { fault: 'transient', group });
  if ((code && NETWORK_CODES.has(code)) || /socket hang up|network/i.test(message)) {
    return new ExchangeError('EXCHANGE_UNAVAILABLE', `Bybit unreachable: ${code ?? message}`, {
      fault: 'transient',
      group,
    });
  }
  if (/private endpoints require/i.test(message)) {
    return new ExchangeError('NO_CREDENTIALS', 'Private Bybit endpoints need BYBIT_API_KEY and BYBIT_API_SECRET', {
      fault: 'auth',
      group,
    });
  }
  return new ExchangeError('EXCHANGE_UNAVAILABLE', `Bybit request failed: ${message}`, { fault: 'transient', group });
}
