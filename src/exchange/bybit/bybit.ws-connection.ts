import { Logger } from '@nestjs/common';
import { WebsocketClient, WS_KEY_MAP } from 'bybit-api';
import type { DefaultLogger, WsKey } from 'bybit-api';
import { createHmac } from 'node:crypto';
import { backoffDelay } from '../resilience/backoff';

export const PUBLIC_LINEAR_KEY = WS_KEY_MAP.v5LinearPublic;
export const PRIVATE_KEY = WS_KEY_MAP.v5Private;

export interface WsConnectionOptions {
  /** The URL of the one connection this client owns (public linear or private). */
  readonly url: string;
  readonly wsKey: WsKey;
  readonly apiKey?: string;
  readonly apiSecret?: string;
  readonly recvWindowMs: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  readonly random?: () => number;
}

/** The heartbeat, reconnect and signature timings every Bybit connection takes from the exchange settings. */
export function wsTimings(settings: {
  readonly recvWindowMs: number;
  readonly ws: {
    readonly pingIntervalMs: number;
    readonly pongTimeoutMs: number;
    readonly reconnectBaseMs: number;
    readonly reconnectMaxMs: number;
  };
}): Pick<
  WsConnectionOptions,
  'recvWindowMs' | 'pingIntervalMs' | 'pongTimeoutMs' | 'reconnectBaseMs' | 'reconnectMaxMs'
> {
  return {
    recvWindowMs: settings.recvWindowMs,
    pingIntervalMs: settings.ws.pingIntervalMs,
    pongTimeoutMs: settings.ws.pongTimeoutMs,
    reconnectBaseMs: settings.ws.reconnectBaseMs,
    reconnectMaxMs: settings.ws.reconnectMaxMs,
  };
}

/**
 * bybit-api's WebsocketClient for exactly one connection (BYBIT.md §10: its single `wsUrl` would be used for every
 * connection, so we override getWsUrl per key). The SDK keeps the heartbeat (ping every pingIntervalMs, reconnect
 * when no message follows within pongTimeoutMs), re-auths private connections and resubscribes stored topics.
 * We replace its fixed reconnect delay by exponential back-off with jitter: the SDK reads
 * `options.reconnectTimeout` each time it schedules a reconnect, so that option becomes a getter.
 */
export class BybitWsConnection extends WebsocketClient {
  private reconnectAttempt = 0;

  constructor(
    private readonly connection: WsConnectionOptions,
    logger: Logger,
  ) {
    super(
      {
        key: connection.apiKey || undefined,
        secret: connection.apiSecret || undefined,
        market: 'v5',
        recvWindow: connection.recvWindowMs,
        pingInterval: connection.pingIntervalMs,
        pongTimeout: connection.pongTimeoutMs,
        customSignMessageFn: (message: string, secret: string) =>
          Promise.resolve(createHmac('sha256', secret).update(message).digest('hex')),
      },
      sdkLogger(logger),
    );
    const random = connection.random ?? Math.random;
    Object.defineProperty(this.options, 'reconnectTimeout', {
      configurable: true,
      enumerable: true,
      get: () => backoffDelay(this.reconnectAttempt + 1, connection.reconnectBaseMs, connection.reconnectMaxMs, random),
    });
    this.on('reconnect', () => {
      this.reconnectAttempt += 1;
    });
    this.on('open', () => {
      this.reconnectAttempt = 0;
    });
    this.on('reconnected', () => {
      this.reconnectAttempt = 0;
    });
  }

  /** Reconnect attempts since the last successful open. */
  get attempts(): number {
    return this.reconnectAttempt;
  }

  protected override getWsUrl(wsKey: WsKey): Promise<string> {
    if (wsKey !== this.connection.wsKey)
      return Promise.reject(new Error(`This connection serves ${this.connection.wsKey}, not ${wsKey}`));
    return Promise.resolve(this.connection.url);
  }
}

/** The SDK logs every connection step at info/error; they go to debug/warn, summarised to the message. */
function sdkLogger(logger: Logger): DefaultLogger {
  return {
    trace: () => undefined,
    info: (...params: unknown[]) => logger.debug(summary(params)),
    error: (...params: unknown[]) => logger.warn(summary(params)),
  };
}

function summary(params: unknown[]): string {
  return params
    .map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : ''))
    .filter(Boolean)
    .join(' ');
}
