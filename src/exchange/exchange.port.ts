import type {
  AmendOrderRequest,
  CancelOrderRequest,
  ConnectionState,
  ExchangeExecution,
  ExchangeOrder,
  ExchangePosition,
  ExecutionQuery,
  Instrument,
  Kline,
  KlineInterval,
  MarketStreamEvents,
  OrderAck,
  OrderbookSnapshot,
  OrderHistoryQuery,
  OrderQuery,
  Page,
  PlaceOrderRequest,
  PrivateStreamEvents,
  ServerTime,
  Unsubscribe,
  WalletBalance,
} from './exchange.types';

/**
 * REST access to the venue (category linear). Every method throws ExchangeError (exchange.errors.ts) on failure.
 * Reads are retried on transient faults; writes never are: a TIMEOUT on a write means "outcome unknown", and the
 * caller reconciles by orderLinkId.
 */
export abstract class ExchangeRest {
  abstract getServerTime(): Promise<ServerTime>;
  /** Every linear instrument (follows the cursor), or the given symbols only. */
  abstract getInstruments(symbols?: readonly string[]): Promise<Instrument[]>;
  abstract getOrderbook(symbol: string, limit?: number): Promise<OrderbookSnapshot>;
  /** Oldest first (Bybit answers newest first). */
  abstract getKlines(
    symbol: string,
    interval: KlineInterval,
    options?: { start?: number; end?: number; limit?: number },
  ): Promise<Kline[]>;
  abstract placeOrder(request: PlaceOrderRequest): Promise<OrderAck>;
  abstract amendOrder(request: AmendOrderRequest): Promise<OrderAck>;
  abstract cancelOrder(request: CancelOrderRequest): Promise<OrderAck>;
  /** Cancels every open order of the symbol (≤500 per call at Bybit). */
  abstract cancelAll(symbol: string): Promise<OrderAck[]>;
  abstract getOpenOrders(query?: OrderQuery): Promise<Page<ExchangeOrder>>;
  abstract getOrderHistory(query?: OrderHistoryQuery): Promise<Page<ExchangeOrder>>;
  abstract getExecutions(query?: ExecutionQuery): Promise<Page<ExchangeExecution>>;
  /** With a symbol: that position even when flat; without: every open USDT position. */
  abstract getPositions(symbol?: string): Promise<ExchangePosition[]>;
  abstract getWalletBalance(coin?: string): Promise<WalletBalance>;
}

type Listener<T> = (payload: T) => void;

/**
 * Public market data for the configured symbols. Listeners are plain synchronous callbacks called on the socket's
 * message turn (the hot path): they must not block or throw.
 */
export abstract class MarketStream {
  abstract on<K extends keyof MarketStreamEvents>(event: K, listener: Listener<MarketStreamEvents[K]>): Unsubscribe;
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  /** Asks for a fresh snapshot of one symbol's book (after a gap in `u`): unsubscribe, then subscribe again. */
  abstract resubscribeBook(symbol: string): Promise<void>;
  abstract state(): ConnectionState;
}

/** Private account updates (order, execution, position, wallet). Reconcile over REST after every (re)connect. */
export abstract class PrivateStream {
  abstract on<K extends keyof PrivateStreamEvents>(event: K, listener: Listener<PrivateStreamEvents[K]>): Unsubscribe;
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  abstract state(): ConnectionState;
}
