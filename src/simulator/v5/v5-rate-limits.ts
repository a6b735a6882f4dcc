/**
 * Bybit's limits as the venue enforces them (BYBIT.md §8): per UID and endpoint, `limit` requests per rolling
 * second (here: fixed one-second windows aligned to the first request, which is what the X-Bapi-Limit-Reset-
 * Timestamp header describes), and 600 HTTP requests per 5 s per IP, over which Bybit answers HTTP 403.
 */

/** Linear defaults, requests per second per UID (BYBIT.md §4, §8). */
export const V5_ENDPOINT_LIMITS: Readonly<Record<string, number>> = {
  '/v5/order/create': 10,
  '/v5/order/amend': 10,
  '/v5/order/cancel': 10,
  '/v5/order/cancel-all': 10,
  '/v5/order/realtime': 50,
  '/v5/order/history': 50,
  '/v5/execution/list': 50,
  '/v5/position/list': 50,
  '/v5/account/wallet-balance': 50,
  '/v5/account/fee-rate': 5,
};

export const IP_LIMIT = { requests: 600, windowMs: 5000 } as const;

export interface LimitDecision {
  readonly allowed: boolean;
  /** Headers Bybit sends on private endpoints. */
  readonly headers: Readonly<Record<string, string>>;
}

interface Window {
  startMs: number;
  used: number;
}

export class V5RateLimits {
  private readonly windows = new Map<string, Window>();
  private readonly ipWindows = new Map<string, Window>();

  constructor(
    private readonly limits: Readonly<Record<string, number>> = V5_ENDPOINT_LIMITS,
    private readonly ipLimit = IP_LIMIT,
  ) {}

  /** Counts one request of `uid` on `path`; undefined when the endpoint has no per-UID limit. */
  takeEndpoint(uid: string, path: string, nowMs: number): LimitDecision | undefined {
    const limit = this.limits[path];
    if (limit === undefined) return undefined;
    const key = `${uid}\u0000${path}`;
    const window = this.advance(this.windows, key, nowMs, 1000);
    window.used += 1;
    const allowed = window.used <= limit;
    const remaining = Math.max(0, limit - window.used);
    return {
      allowed,
      headers: {
        'X-Bapi-Limit': String(limit),
        'X-Bapi-Limit-Status': String(remaining),
        'X-Bapi-Limit-Reset-Timestamp': String(allowed ? nowMs : window.startMs + 1000),
      },
    };
  }

  /** Counts one HTTP request from `ip`; false means Bybit's 403 "access too frequent". */
  takeIp(ip: string, nowMs: number): boolean {
    const window = this.advance(this.ipWindows, ip, nowMs, this.ipLimit.windowMs);
    window.used += 1;
    return window.used <= this.ipLimit.requests;
  }

  private advance(map: Map<string, Window>, key: string, nowMs: number, lengthMs: number): Window {
    let window = map.get(key);
    if (!window || nowMs - window.startMs >= lengthMs) {
      window = { startMs: nowMs, used: 0 };
      map.set(key, window);
    }
    return window;
  }
}
