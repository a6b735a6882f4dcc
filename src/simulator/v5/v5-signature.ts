import { createHmac, timingSafeEqual } from 'node:crypto';

/** The auth failures Bybit answers before looking at a request (BYBIT.md §2, §9). */
export type AuthFailure =
  | { readonly retCode: 10002; readonly retMsg: string }
  | { readonly retCode: 10003; readonly retMsg: string }
  | { readonly retCode: 10004; readonly retMsg: string };

export interface SignedRequest {
  readonly apiKey: string | undefined;
  readonly timestamp: string | undefined;
  readonly recvWindow: string | undefined;
  readonly sign: string | undefined;
  /** The raw query string (GET) or raw body (POST) exactly as received: never re-serialised. */
  readonly payload: string;
}

export const DEFAULT_RECV_WINDOW_MS = 5000;

export function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase(), 'utf8');
  const right = Buffer.from(b.toLowerCase(), 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Bybit V5 REST auth: sign = hex(HMAC_SHA256(secret, timestamp + apiKey + recvWindow + payload)), accepted iff
 * serverTime - recvWindow <= timestamp < serverTime + 1000. Returns the uid (the key) or Bybit's error.
 */
export function verifyRestSignature(
  request: SignedRequest,
  secretOf: (apiKey: string) => string | undefined,
  serverTimeMs: number,
): { readonly ok: true; readonly apiKey: string } | { readonly ok: false; readonly failure: AuthFailure } {
  const { apiKey, timestamp, sign } = request;
  if (!apiKey || !timestamp || !sign) {
    return { ok: false, failure: { retCode: 10003, retMsg: 'API key is invalid.' } };
  }
  const secret = secretOf(apiKey);
  if (secret === undefined) return { ok: false, failure: { retCode: 10003, retMsg: 'API key is invalid.' } };
  const recvWindow = request.recvWindow ?? String(DEFAULT_RECV_WINDOW_MS);
  const ts = Number(timestamp);
  const window = Number(recvWindow);
  if (!Number.isFinite(ts) || !Number.isFinite(window) || serverTimeMs - window > ts || ts >= serverTimeMs + 1000) {
    return {
      ok: false,
      failure: {
        retCode: 10002,
        retMsg: `invalid request, please check your server timestamp or recv_window param. req_timestamp[${timestamp}],server_timestamp[${serverTimeMs}],recv_window[${recvWindow}]`,
      },
    };
  }
  const origin = `${timestamp}${apiKey}${recvWindow}${request.payload}`;
  if (!sameHex(hmacHex(secret, origin), sign)) {
    return { ok: false, failure: { retCode: 10004, retMsg: `error sign! origin_string[${origin}]` } };
  }
  return { ok: true, apiKey };
}

/**
 * Whether the HMAC of a signed REST request matches its key's secret, whatever its timestamp (verifyRestSignature
 * answers 10002 before it looks at the signature): what a traffic observer reports about each signed request.
 */
export function restSignatureMatches(
  request: SignedRequest,
  secretOf: (apiKey: string) => string | undefined,
): boolean {
  const { apiKey, timestamp, sign } = request;
  const secret = apiKey ? secretOf(apiKey) : undefined;
  if (!apiKey || !timestamp || !sign || secret === undefined) return false;
  const recvWindow = request.recvWindow ?? String(DEFAULT_RECV_WINDOW_MS);
  return sameHex(hmacHex(secret, `${timestamp}${apiKey}${recvWindow}${request.payload}`), sign);
}

/**
 * Private WebSocket auth: args = [apiKey, expires, signature] with signature = hex(HMAC(secret, "GET/realtime" +
 * expires)) and expires a future ms timestamp.
 */
export function verifyWsAuth(
  args: readonly unknown[],
  secretOf: (apiKey: string) => string | undefined,
  nowMs: number,
): { readonly ok: true; readonly apiKey: string } | { readonly ok: false; readonly retMsg: string } {
  const [apiKey, expires, signature] = args;
  if (
    typeof apiKey !== 'string' ||
    (typeof expires !== 'number' && typeof expires !== 'string') ||
    typeof signature !== 'string'
  ) {
    return { ok: false, retMsg: 'Params Error' };
  }
  const secret = secretOf(apiKey);
  if (secret === undefined) return { ok: false, retMsg: 'Invalid apikey' };
  if (!(Number(expires) > nowMs)) return { ok: false, retMsg: 'Params Error' };
  if (!sameHex(hmacHex(secret, `GET/realtime${expires}`), signature)) return { ok: false, retMsg: 'Invalid sign' };
  return { ok: true, apiKey };
}
