/**
 * Bybit V5 venue facts as data (BYBIT.md §1, §4, §8). Links point at the Bybit V5 docs pages they come from.
 */
import type { BybitEnv } from '../../infra/config/env.schema';

export const BYBIT_CATEGORY = 'linear' as const;

export interface BybitUrls {
  readonly rest: string;
  readonly wsPublic: string;
  readonly wsPrivate: string;
}

/** Default simulator port when SIM_PORT is not set. */
export const DEFAULT_SIM_PORT = 8100;

/**
 * https://bybit-exchange.github.io/docs/v5/guide (Integration Guidance), https://bybit-exchange.github.io/docs/v5/ws/connect,
 * https://bybit-exchange.github.io/docs/v5/demo. Demo has no public stream of its own: it uses mainnet market data.
 */
export function bybitUrls(env: BybitEnv, simPort: number = DEFAULT_SIM_PORT): BybitUrls {
  switch (env) {
    case 'mainnet':
      return {
        rest: 'https://api.bybit.com',
        wsPublic: 'wss://stream.bybit.com/v5/public/linear',
        wsPrivate: 'wss://stream.bybit.com/v5/private',
      };
    case 'testnet':
      return {
        rest: 'https://api-testnet.bybit.com',
        wsPublic: 'wss://stream-testnet.bybit.com/v5/public/linear',
        wsPrivate: 'wss://stream-testnet.bybit.com/v5/private',
      };
    case 'demo':
      return {
        rest: 'https://api-demo.bybit.com',
        wsPublic: 'wss://stream.bybit.com/v5/public/linear',
        wsPrivate: 'wss://stream-demo.bybit.com/v5/private',
      };
    case 'sim':
      return {
        rest: `http://127.0.0.1:${simPort}`,
        wsPublic: `ws://127.0.0.1:${simPort}/v5/public/linear`,
        wsPrivate: `ws://127.0.0.1:${simPort}/v5/private`,
      };
  }
}

/** Endpoint groups: one Bottleneck limiter and one opossum breaker each. */
export const ENDPOINT_GROUPS = ['market', 'trade', 'orderQuery', 'position', 'account'] as const;
export type EndpointGroup = (typeof ENDPOINT_GROUPS)[number];

export interface EndpointGroupSpec {
  /** Requests Bybit allows per window (the published limit, before our safety factor). `null`: the IP limit only. */
  readonly limit: number | null;
  readonly windowMs: number;
  /** Only GET endpoints are idempotent reads that may be retried. */
  readonly idempotentRead: boolean;
  readonly paths: readonly string[];
}

/**
 * https://bybit-exchange.github.io/docs/v5/rate-limit (Rate Limit Rules), linear defaults, per UID and endpoint, rolling 1 s.
 * A group shares one limiter, so the group's limit is the smallest of its endpoints' limits (the stricter reading:
 * Bybit counts per endpoint, we count per group). Market endpoints have no per-UID limit; only the IP limit applies.
 */
export const BYBIT_ENDPOINT_GROUPS: Readonly<Record<EndpointGroup, EndpointGroupSpec>> = {
  market: {
    limit: null,
    windowMs: 1000,
    idempotentRead: true,
    paths: [
      '/v5/market/time',
      '/v5/market/instruments-info',
      '/v5/market/orderbook',
      '/v5/market/kline',
      '/v5/market/tickers',
      '/v5/market/recent-trade',
    ],
  },
  // create, amend, cancel, cancel-all: 10/s each (VIP/PRO tiers raise this; X-Bapi-Limit tells us).
  trade: {
    limit: 10,
    windowMs: 1000,
    idempotentRead: false,
    paths: ['/v5/order/create', '/v5/order/amend', '/v5/order/cancel', '/v5/order/cancel-all'],
  },
  // realtime, history, execution list: 50/s.
  orderQuery: {
    limit: 50,
    windowMs: 1000,
    idempotentRead: true,
    paths: ['/v5/order/realtime', '/v5/order/history', '/v5/execution/list'],
  },
  // position list: 50/s.
  position: { limit: 50, windowMs: 1000, idempotentRead: true, paths: ['/v5/position/list'] },
  // wallet-balance 50/s, fee-rate 5/s: the group takes the stricter 5/s only if fee-rate joins it; it does not.
  account: { limit: 50, windowMs: 1000, idempotentRead: true, paths: ['/v5/account/wallet-balance'] },
};

/** https://bybit-exchange.github.io/docs/v5/rate-limit : 600 requests per 5 s per IP; over it → HTTP 403 and a ≥10 min ban. */
export const BYBIT_IP_LIMIT = { limit: 600, windowMs: 5000, banMs: 10 * 60_000 } as const;

/**
 * Half the published limit. Bottleneck refills a fixed window, so two adjacent windows can together hold
 * 2 × the reservoir inside one rolling window of Bybit's: at 0.5 we never exceed the published rate.
 */
export const DEFAULT_RATE_LIMIT_SAFETY_FACTOR = 0.5;

/** The recv window Bybit assumes when none is sent (BYBIT.md §2). */
export const DEFAULT_RECV_WINDOW_MS = 5000;
