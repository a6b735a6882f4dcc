import { randomUUID } from 'node:crypto';

/** Header names are lower-case in Node's IncomingHttpHeaders and in Fastify's request.headers. */
export const TRACE_ID_HEADER = 'x-trace-id';
export const TRACEPARENT_HEADER = 'traceparent';

/**
 * What we accept from a caller's X-Trace-Id: short, printable and free of spaces, quotes or separators, so it
 * can go into a log line, a response header and (a prefix of) an orderLinkId without escaping.
 */
// 64: the width of every trace_id column (orders, positions, trades, audit_logs), so a trace is never lost.
const CALLER_TRACE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * W3C Trace Context, version 00: https://www.w3.org/TR/trace-context/#traceparent-header-field-values
 * `00-<trace-id: 32 lower hex>-<parent-id: 16 lower hex>-<flags: 2 lower hex>`; all-zero ids are invalid.
 */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ALL_ZEROS = /^0+$/;

type HeaderValue = string | readonly string[] | undefined;
/** Structural on purpose: fits Node's IncomingHttpHeaders, Fastify's request.headers and plain test objects. */
export type TraceHeaders = Readonly<Record<string, HeaderValue>>;

/** A fresh trace id: 32 lower-case hex digits, the same shape as a W3C trace-id. */
export function newTraceId(): string {
  // The UUID's hex digits around its four dashes at fixed places (8-4-4-4-12): cheaper than a regex replace
  // on every request that arrives without a trace id.
  const uuid = randomUUID();
  return uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24);
}

/**
 * The trace id of an incoming request: the caller's X-Trace-Id when it is well formed, else the trace-id of a
 * valid W3C traceparent, else a new one. Never throws: a malformed header is ignored, not an error, so a bad
 * client header cannot fail a request.
 */
export function resolveTraceId(headers: TraceHeaders): string {
  const explicit = firstValue(headers[TRACE_ID_HEADER])?.trim();
  if (explicit !== undefined && CALLER_TRACE_ID.test(explicit)) return explicit;

  const traceparent = firstValue(headers[TRACEPARENT_HEADER])?.trim();
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (match !== null && !ALL_ZEROS.test(match[1]) && !ALL_ZEROS.test(match[2])) return match[1];

  return newTraceId();
}

/** A repeated header arrives as an array; the first occurrence wins. */
function firstValue(value: HeaderValue): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}
