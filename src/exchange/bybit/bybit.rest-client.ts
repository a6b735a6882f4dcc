import { Logger } from '@nestjs/common';
import type { AxiosRequestConfig } from 'axios';
import { RestClientV5 } from 'bybit-api';
import type { RestClientOptions } from 'bybit-api';
import { createHmac } from 'node:crypto';
import { CircuitOpenError, ExchangeError } from '../exchange.errors';
import { ExchangeRest } from '../exchange.port';
import type { ExchangeSettings } from '../exchange.settings';
import type {
  AmendOrderRequest,
  CancelOrderRequest,
  ExchangeExecution,
  ExchangeOrder,
  ExchangePosition,
  ExecutionQuery,
  Instrument,
  Kline,
  KlineInterval,
  OrderAck,
  OrderbookSnapshot,
  OrderHistoryQuery,
  OrderQuery,
  Page,
  PlaceOrderRequest,
  ServerTime,
  WalletBalance,
} from '../exchange.types';
import { RateLimited, RateLimitedHost } from '../rate-limit/rate-limited.decorator';
import { IP_GROUP, RateLimiterRegistry } from '../rate-limit/rate-limiter.registry';
import { CircuitBreakerRegistry } from '../resilience/circuit-breaker.registry';
import { retryIdempotentRead } from '../resilience/retry';
import { ServerClock, serverTimeMsOf } from '../server-time';
import { BYBIT_CATEGORY, EndpointGroup } from './bybit.constants';
import { errorFromRetCode, errorFromTransport } from './bybit.errors';
import {
  parseExecution,
  parseInstrument,
  parseKlineRow,
  parseOrder,
  parseOrderbook,
  parsePosition,
  parseWallet,
  Raw,
  str,
} from './bybit.parse';

/** The envelope every V5 answer has (BYBIT.md §3), plus the limit headers bybit-api parses for us. */
interface Envelope {
  readonly retCode: number;
  readonly retMsg: string;
  readonly result: unknown;
  readonly time?: number;
  readonly rateLimitApi?: {
    readonly remainingRequests: number;
    readonly maxRequests: number;
    readonly resetAtTimestamp: number;
  };
}

type SdkCall = () => Promise<Envelope>;

/**
 * bybit-api's RestClientV5 with our clock: with `syncTimeBeforePrivateRequests` the SDK asks fetchTimeOffset()
 * before signing each private request; we answer with the offset ServerClock measured (no extra request).
 */
class ClockedRestClientV5 extends RestClientV5 {
  constructor(
    options: RestClientOptions,
    network: AxiosRequestConfig,
    private readonly clock: ServerClock,
  ) {
    super(options, network);
  }

  override fetchTimeOffset(): Promise<number> {
    return Promise.resolve(this.clock.offsetMs);
  }
}

function hmacHex(message: string, secret: string): Promise<string> {
  return Promise.resolve(createHmac('sha256', secret).update(message).digest('hex'));
}

/**
 * Bybit V5 REST for category linear behind ExchangeRest. Every call: breaker fast-fail check → @RateLimited(group)
 * (group limiter + IP limiter) → opossum breaker → bybit-api (signing, HTTP). Reads retry transient faults with
 * back-off and jitter; writes never retry, except once after a 10002 clock resync (the exchange refused the
 * request before looking at it, and orderLinkId makes a duplicate impossible anyway).
 */
export class BybitRestClient extends ExchangeRest implements RateLimitedHost {
  private readonly logger = new Logger(BybitRestClient.name);
  private readonly sdk: RestClientV5;

  constructor(
    private readonly settings: ExchangeSettings,
    readonly rateLimits: RateLimiterRegistry,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly clock: ServerClock,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.sdk = new ClockedRestClientV5(
      {
        key: settings.apiKey || undefined,
        secret: settings.apiSecret || undefined,
        baseUrl: settings.restUrl,
        recv_window: settings.recvWindowMs,
        enable_time_sync: false,
        syncTimeBeforePrivateRequests: true,
        parseAPIRateLimits: true,
        customSignMessageFn: hmacHex,
      },
      { timeout: settings.httpTimeoutMs },
      clock,
    );
  }

  // ---- public API ------------------------------------------------------------------------------------------

  async getServerTime(): Promise<ServerTime> {
    const sentAt = this.now();
    const envelope = await this.read('market', () => this.fetchServerTime());
    const receivedAt = this.now();
    const result = envelope.result as { timeSecond?: unknown; timeNano?: unknown } | undefined;
    return this.clock.record(serverTimeMsOf(result, envelope.time), sentAt, receivedAt);
  }

  async getInstruments(symbols?: readonly string[]): Promise<Instrument[]> {
    const single = symbols?.length === 1 ? symbols[0] : undefined;
    const out: Instrument[] = [];
    let cursor: string | undefined;
    do {
      const { result } = await this.read('market', () => this.fetchInstruments(single, cursor));
      const page = result as { list?: Raw[]; nextPageCursor?: string | null };
      for (const raw of page.list ?? []) out.push(parseInstrument(raw));
      cursor = page.nextPageCursor || undefined;
    } while (cursor && !single);
    return symbols && symbols.length > 1 ? out.filter((i) => symbols.includes(i.symbol)) : out;
  }

  async getOrderbook(symbol: string, limit = 50): Promise<OrderbookSnapshot> {
    const { result } = await this.read('market', () => this.fetchOrderbook(symbol, limit));
    return parseOrderbook(result as Raw);
  }

  async getKlines(
    symbol: string,
    interval: KlineInterval,
    options: { start?: number; end?: number; limit?: number } = {},
  ): Promise<Kline[]> {
    const { result } = await this.read('market', () => this.fetchKlines(symbol, interval, options));
    const rows = ((result as { list?: unknown[][] }).list ?? []).map(parseKlineRow);
    return rows.reverse(); // Bybit answers newest first
  }

  async placeOrder(request: PlaceOrderRequest): Promise<OrderAck> {
    const { result } = await this.write('trade', () =>
      this.submitOrder({
        category: BYBIT_CATEGORY,
        symbol: request.symbol,
        side: request.side,
        orderType: request.orderType,
        qty: request.qty,
        price: request.price,
        timeInForce: request.timeInForce,
        orderLinkId: request.orderLinkId,
        positionIdx: request.positionIdx,
        reduceOnly: request.reduceOnly,
        takeProfit: request.takeProfit,
        stopLoss: request.stopLoss,
      }),
    );
    return ackOf(result);
  }

  async amendOrder(request: AmendOrderRequest): Promise<OrderAck> {
    const { result } = await this.write('trade', () =>
      this.submitAmend({
        category: BYBIT_CATEGORY,
        symbol: request.symbol,
        orderId: request.orderId,
        orderLinkId: request.orderLinkId,
        qty: request.qty,
        price: request.price,
        takeProfit: request.takeProfit,
        stopLoss: request.stopLoss,
      }),
    );
    return ackOf(result);
  }

  async cancelOrder(request: CancelOrderRequest): Promise<OrderAck> {
    const { result } = await this.write('trade', () =>
      this.submitCancel({
        category: BYBIT_CATEGORY,
        symbol: request.symbol,
        orderId: request.orderId,
        orderLinkId: request.orderLinkId,
      }),
    );
    return ackOf(result);
  }

  async cancelAll(symbol: string): Promise<OrderAck[]> {
    const { result } = await this.write('trade', () => this.submitCancelAll(symbol));
    return ((result as { list?: unknown[] }).list ?? []).map(ackOf);
  }

  async getOpenOrders(query: OrderQuery = {}): Promise<Page<ExchangeOrder>> {
    const { result } = await this.read('orderQuery', () => this.fetchOpenOrders(query));
    return pageOf(result, parseOrder);
  }

  async getOrderHistory(query: OrderHistoryQuery = {}): Promise<Page<ExchangeOrder>> {
    const { result } = await this.read('orderQuery', () => this.fetchOrderHistory(query));
    return pageOf(result, parseOrder);
  }

  async getExecutions(query: ExecutionQuery = {}): Promise<Page<ExchangeExecution>> {
    const { result } = await this.read('orderQuery', () => this.fetchExecutions(query));
    return pageOf(result, parseExecution);
  }

  async getPositions(symbol?: string): Promise<ExchangePosition[]> {
    const out: ExchangePosition[] = [];
    let cursor: string | undefined;
    do {
      const { result } = await this.read('position', () => this.fetchPositions(symbol, cursor));
      const page = pageOf(result, parsePosition);
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  async getWalletBalance(coin?: string): Promise<WalletBalance> {
    const { result } = await this.read('account', () => this.fetchWallet(coin));
    const first = ((result as { list?: Raw[] }).list ?? [])[0];
    if (!first)
      throw new ExchangeError('BAD_RESPONSE', 'Empty wallet-balance list', { fault: 'business', group: 'account' });
    return parseWallet(first);
  }

  /** Measures the clock offset again (after a 10002, and periodically). */
  async resyncClock(): Promise<void> {
    try {
      const sample = await this.getServerTime();
      this.logger.log({ offsetMs: sample.offsetMs, roundTripMs: sample.roundTripMs }, 'server time offset measured');
    } catch (error) {
      this.logger.warn({ err: error }, 'server time resync failed');
    }
  }

  // ---- one rate-limited method per endpoint: the limiter runs before the breaker and the request ------------

  @RateLimited('market')
  private fetchServerTime(): Promise<Envelope> {
    return this.exchange('market', () => this.sdk.getServerTime() as Promise<Envelope>);
  }

  @RateLimited('market')
  private fetchInstruments(symbol: string | undefined, cursor: string | undefined): Promise<Envelope> {
    return this.exchange(
      'market',
      () => this.sdk.getInstrumentsInfo({ category: BYBIT_CATEGORY, symbol, limit: 1000, cursor }) as Promise<Envelope>,
    );
  }

  @RateLimited('market')
  private fetchOrderbook(symbol: string, limit: number): Promise<Envelope> {
    return this.exchange(
      'market',
      () => this.sdk.getOrderbook({ category: BYBIT_CATEGORY, symbol, limit }) as Promise<Envelope>,
    );
  }

  @RateLimited('market')
  private fetchKlines(
    symbol: string,
    interval: KlineInterval,
    options: { start?: number; end?: number; limit?: number },
  ): Promise<Envelope> {
    return this.exchange(
      'market',
      () => this.sdk.getKline({ category: BYBIT_CATEGORY, symbol, interval, ...options }) as Promise<Envelope>,
    );
  }

  @RateLimited('trade')
  private submitOrder(params: Parameters<RestClientV5['submitOrder']>[0]): Promise<Envelope> {
    return this.exchange('trade', () => this.sdk.submitOrder(params) as Promise<Envelope>);
  }

  @RateLimited('trade')
  private submitAmend(params: Parameters<RestClientV5['amendOrder']>[0]): Promise<Envelope> {
    return this.exchange('trade', () => this.sdk.amendOrder(params) as Promise<Envelope>);
  }

  @RateLimited('trade')
  private submitCancel(params: Parameters<RestClientV5['cancelOrder']>[0]): Promise<Envelope> {
    return this.exchange('trade', () => this.sdk.cancelOrder(params) as Promise<Envelope>);
  }

  @RateLimited('trade')
  private submitCancelAll(symbol: string): Promise<Envelope> {
    return this.exchange(
      'trade',
      () => this.sdk.cancelAllOrders({ category: BYBIT_CATEGORY, symbol }) as Promise<Envelope>,
    );
  }

  @RateLimited('orderQuery')
  private fetchOpenOrders(q: OrderQuery): Promise<Envelope> {
    return this.exchange(
      'orderQuery',
      () =>
        this.sdk.getActiveOrders({
          category: BYBIT_CATEGORY,
          symbol: q.symbol,
          settleCoin: q.symbol ? undefined : 'USDT',
          orderId: q.orderId,
          orderLinkId: q.orderLinkId,
          limit: q.limit,
          cursor: q.cursor,
        }) as Promise<Envelope>,
    );
  }

  @RateLimited('orderQuery')
  private fetchOrderHistory(q: OrderHistoryQuery): Promise<Envelope> {
    return this.exchange(
      'orderQuery',
      () =>
        this.sdk.getHistoricOrders({
          category: BYBIT_CATEGORY,
          symbol: q.symbol,
          orderId: q.orderId,
          orderLinkId: q.orderLinkId,
          orderStatus: q.orderStatus,
          startTime: q.startTime,
          endTime: q.endTime,
          limit: q.limit,
          cursor: q.cursor,
        }) as Promise<Envelope>,
    );
  }

  @RateLimited('orderQuery')
  private fetchExecutions(q: ExecutionQuery): Promise<Envelope> {
    return this.exchange(
      'orderQuery',
      () =>
        this.sdk.getExecutionList({
          category: BYBIT_CATEGORY,
          symbol: q.symbol,
          orderId: q.orderId,
          orderLinkId: q.orderLinkId,
          startTime: q.startTime,
          endTime: q.endTime,
          limit: q.limit,
          cursor: q.cursor,
        }) as Promise<Envelope>,
    );
  }

  @RateLimited('position')
  private fetchPositions(symbol: string | undefined, cursor: string | undefined): Promise<Envelope> {
    return this.exchange(
      'position',
      () =>
        this.sdk.getPositionInfo({
          category: BYBIT_CATEGORY,
          symbol,
          settleCoin: symbol ? undefined : 'USDT',
          limit: 200,
          cursor,
        }) as Promise<Envelope>,
    );
  }

  @RateLimited('account')
  private fetchWallet(coin: string | undefined): Promise<Envelope> {
    return this.exchange(
      'account',
      () => this.sdk.getWalletBalance({ accountType: 'UNIFIED', coin }) as Promise<Envelope>,
    );
  }

  // ---- plumbing --------------------------------------------------------------------------------------------

  /** Idempotent read: retried with back-off and jitter on transient faults, after a resync on 10002. */
  private read(group: EndpointGroup, call: SdkCall): Promise<Envelope> {
    return retryIdempotentRead(
      'GET',
      () => {
        this.failFastIfOpen(group);
        return call();
      },
      this.settings.readRetry,
      { beforeRetry: (error) => (error.fault === 'clock' ? this.resyncClock() : undefined), now: this.now },
    );
  }

  /** Write: never retried, except once after a clock resync when the exchange refused the timestamp (10002). */
  private async write(group: EndpointGroup, call: SdkCall): Promise<Envelope> {
    this.failFastIfOpen(group);
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ExchangeError) || error.fault !== 'clock') throw error;
      await this.resyncClock();
      this.failFastIfOpen(group);
      return call();
    }
  }

  private failFastIfOpen(group: EndpointGroup): void {
    // An OPEN breaker rejects at once, without waiting for a rate-limit token first.
    if (this.breakers.state(group) === 'OPEN') throw new CircuitOpenError(group);
  }

  /** One request through the group's breaker; maps the answer to a typed error and feeds the limiter. */
  private exchange(group: EndpointGroup, call: SdkCall): Promise<Envelope> {
    return this.breakers.execute(group, async () => {
      let envelope: Envelope;
      try {
        envelope = await call();
      } catch (thrown) {
        const error = errorFromTransport(thrown, group, this.now());
        if (error.code === 'RATE_LIMITED' && error.httpStatus === 403)
          this.rateLimits.pause(IP_GROUP, error.retryAtMs ?? this.now());
        throw error;
      }
      const limits = envelope.rateLimitApi;
      if (limits)
        this.rateLimits.observe(group, {
          limit: limits.maxRequests,
          remaining: limits.remainingRequests,
          resetAtMs: limits.resetAtTimestamp,
        });
      if (envelope.retCode !== 0) {
        const retryAt =
          envelope.retCode === 10006 ? Math.max(limits?.resetAtTimestamp ?? 0, this.now() + 1000) : undefined;
        if (retryAt) this.rateLimits.pause(group, retryAt);
        throw errorFromRetCode(envelope.retCode, str(envelope.retMsg), group, retryAt);
      }
      return envelope;
    });
  }
}

function ackOf(result: unknown): OrderAck {
  const raw = (result ?? {}) as Raw;
  return { orderId: str(raw.orderId), orderLinkId: str(raw.orderLinkId) };
}

function pageOf<T>(result: unknown, parse: (raw: Raw) => T): Page<T> {
  const raw = (result ?? {}) as { list?: Raw[]; nextPageCursor?: string | null };
  return { items: (raw.list ?? []).map(parse), nextCursor: raw.nextPageCursor || null };
}
