import type { AppConfig } from '../infra/config/app-config';
import type { BybitEnv } from '../infra/config/env.schema';
import { bybitUrls } from './bybit/bybit.constants';

/** Injection token for ExchangeSettings. */
export const EXCHANGE_SETTINGS = Symbol('EXCHANGE_SETTINGS');

/** Everything the exchange module reads; built once from AppConfig plus the exchange-only variables. */
export interface ExchangeSettings {
  readonly env: BybitEnv;
  readonly apiKey?: string;
  readonly apiSecret?: string;
  readonly restUrl: string;
  readonly wsPublicUrl: string;
  readonly wsPrivateUrl: string;
  readonly symbols: readonly string[];
  readonly orderbookDepth: number;
  readonly recvWindowMs: number;
  readonly httpTimeoutMs: number;
  readonly rateLimit: { readonly maxWaitMs: number; readonly safetyFactor: number };
  readonly breaker: { readonly failureThreshold: number; readonly cooldownMs: number };
  readonly readRetry: { readonly attempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  readonly ws: {
    readonly pingIntervalMs: number;
    readonly pongTimeoutMs: number;
    readonly reconnectBaseMs: number;
    readonly reconnectMaxMs: number;
  };
  readonly instrumentsRefreshMs: number;
  readonly timeSyncIntervalMs: number;
}

/**
 * Programmatic overrides of the configured values (tests, tools); anything not given comes from AppConfig
 * (BYBIT_REST_URL, BYBIT_WS_*_URL, SIM_PORT, BYBIT_RECV_WINDOW_MS, RATE_LIMIT_*, BYBIT_WS_*, …).
 */
export interface ExchangeOverrides {
  readonly restUrl?: string;
  readonly wsPublicUrl?: string;
  readonly wsPrivateUrl?: string;
  readonly simPort?: number;
  readonly recvWindowMs?: number;
  readonly httpTimeoutMs?: number;
  readonly rateLimitMaxWaitMs?: number;
  readonly rateLimitSafetyFactor?: number;
  readonly readRetries?: number;
  readonly readRetryBaseDelayMs?: number;
  readonly readRetryMaxDelayMs?: number;
  readonly wsPingIntervalMs?: number;
  readonly wsPongTimeoutMs?: number;
  readonly wsReconnectBaseMs?: number;
  readonly wsReconnectMaxMs?: number;
  readonly instrumentsRefreshSeconds?: number;
  readonly timeSyncIntervalSeconds?: number;
  /** Tests only: breaker cooldown in ms instead of CIRCUIT_BREAKER_COOLDOWN_SECONDS. */
  readonly breakerCooldownMs?: number;
}

export function createExchangeSettings(config: AppConfig, overrides: ExchangeOverrides = {}): ExchangeSettings {
  const urls = bybitUrls(config.exchange.env, overrides.simPort ?? config.simulator.port);
  return Object.freeze({
    env: config.exchange.env,
    apiKey: config.exchange.apiKey,
    apiSecret: config.exchange.apiSecret,
    restUrl: stripSlash(overrides.restUrl ?? config.exchange.restUrl ?? urls.rest),
    wsPublicUrl: overrides.wsPublicUrl ?? config.exchange.wsPublicUrl ?? urls.wsPublic,
    wsPrivateUrl: overrides.wsPrivateUrl ?? config.exchange.wsPrivateUrl ?? urls.wsPrivate,
    symbols: config.trading.pairs,
    orderbookDepth: config.trading.orderbookDepth,
    recvWindowMs: overrides.recvWindowMs ?? config.exchange.recvWindowMs,
    httpTimeoutMs: overrides.httpTimeoutMs ?? config.exchange.httpTimeoutMs,
    rateLimit: {
      maxWaitMs: overrides.rateLimitMaxWaitMs ?? config.exchange.rateLimitMaxWaitMs,
      safetyFactor: overrides.rateLimitSafetyFactor ?? config.exchange.rateLimitSafetyFactor,
    },
    breaker: {
      failureThreshold: config.resilience.breakerFailureThreshold,
      cooldownMs: overrides.breakerCooldownMs ?? config.resilience.breakerCooldownSeconds * 1000,
    },
    readRetry: {
      attempts: overrides.readRetries ?? config.exchange.readRetries,
      baseDelayMs: overrides.readRetryBaseDelayMs ?? 200,
      maxDelayMs: overrides.readRetryMaxDelayMs ?? 5_000,
    },
    ws: {
      // bybit-api pings every 10 s and reconnects when no message arrives within 1 s of a ping (BYBIT.md §10).
      pingIntervalMs: overrides.wsPingIntervalMs ?? config.exchange.wsPingIntervalMs,
      pongTimeoutMs: overrides.wsPongTimeoutMs ?? config.exchange.wsPongTimeoutMs,
      reconnectBaseMs: overrides.wsReconnectBaseMs ?? config.exchange.wsReconnectBaseMs,
      reconnectMaxMs: overrides.wsReconnectMaxMs ?? config.exchange.wsReconnectMaxMs,
    },
    instrumentsRefreshMs: (overrides.instrumentsRefreshSeconds ?? config.exchange.instrumentsRefreshSeconds) * 1000,
    timeSyncIntervalMs: (overrides.timeSyncIntervalSeconds ?? config.exchange.timeSyncIntervalSeconds) * 1000,
  });
}

function stripSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
