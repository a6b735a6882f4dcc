import { stableHash } from './canonical';

/** Width of `idempotency_cache.key` (migration 1764000000000). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 128;
/** An operation name, its `:` and a 64-hex sha256 fill the key column exactly. */
export const IDEMPOTENCY_OPERATION_MAX_LENGTH = IDEMPOTENCY_KEY_MAX_LENGTH - 1 - 64;
/** The request header clients send (IETF draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Visible ASCII only (0x21..0x7E): no spaces, no control characters, nothing a proxy may re-encode. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** Who sent a mutating HTTP request, to what route, with which client key: the client's key means nothing beyond it. */
export interface HttpIdempotencyScope {
  readonly method: string;
  /** The route pattern (`/exchange/breakers/:group/reset`), not the URL: parameters belong to the request hash. */
  readonly routePath: string;
  /** The authenticated subject, or `anon` on public routes. */
  readonly principal: string;
  readonly clientKey: string;
}

/** What an HTTP request is compared by when its key comes again. */
export interface HttpRequestParts {
  readonly body: unknown;
  readonly params: unknown;
  readonly query: unknown;
}

export type IdempotencyKeyHeader =
  | { readonly kind: 'absent' }
  | { readonly kind: 'valid'; readonly value: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * `${operation}:${sha256 of the canonical params}`: the same params in any key order give the same key, and the key
 * always fits the column. The operation stays readable so an operator can tell rows apart in psql.
 */
export function idempotencyKey(operation: string, params: unknown): string {
  assertOperationName(operation);
  return `${operation}:${stableHash(params)}`;
}

/** Operation names are constants of the code, so a bad one is a programming error rather than a client's. */
export function assertOperationName(operation: string): void {
  if (operation.length === 0 || operation.length > IDEMPOTENCY_OPERATION_MAX_LENGTH) {
    throw new RangeError(
      `idempotency operation must be 1..${IDEMPOTENCY_OPERATION_MAX_LENGTH} characters, got ${operation.length}`,
    );
  }
}

/** The cache key of an HTTP request; hashed because a route path and a client key together may exceed 128 characters. */
export function httpIdempotencyKey(scope: HttpIdempotencyScope): string {
  // A tuple, not a joined string: a `:` inside the route or the client key cannot shift one part into another.
  return idempotencyKey('http', [scope.method, scope.routePath, scope.principal, scope.clientKey]);
}

/** The label stored in `operation`: informational only (the key carries identity), so a long route is clipped. */
export function httpOperation(method: string, routePath: string): string {
  return `${method} ${routePath}`.slice(0, IDEMPOTENCY_OPERATION_MAX_LENGTH);
}

export function httpRequestHash(parts: HttpRequestParts): string {
  return stableHash({ body: parts.body, params: parts.params, query: parts.query });
}

/** Node joins a repeated header into one string; an array only reaches here from a hand-built request. */
export function parseIdempotencyKeyHeader(raw: string | readonly string[] | undefined): IdempotencyKeyHeader {
  if (raw === undefined) return { kind: 'absent' };
  if (typeof raw !== 'string') return { kind: 'invalid', reason: `${IDEMPOTENCY_KEY_HEADER} must be sent once` };
  if (raw.length === 0 || raw.length > IDEMPOTENCY_KEY_MAX_LENGTH || !VISIBLE_ASCII.test(raw)) {
    return {
      kind: 'invalid',
      reason: `${IDEMPOTENCY_KEY_HEADER} must be 1..${IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters`,
    };
  }
  return { kind: 'valid', value: raw };
}
