/**
 * The exchange module's own types: what the rest of the bot sees (never SDK types).
 * Prices, sizes and money stay decimal strings (see common/ticks.ts); ids, sequence numbers and times are numbers (ms).
 */

export type Side = 'Buy' | 'Sell';
export type OrderType = 'Limit' | 'Market';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'PostOnly';

/** https://bybit-exchange.github.io/docs/v5/enum#orderstatus ; anything else is a parse error. */
export const ORDER_STATUSES = [
  'New',
  'PartiallyFilled',
  'Untriggered',
  'Triggered',
  'Filled',
  'Cancelled',
  'Rejected',
  'Deactivated',
  'PartiallyFilledCanceled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type PriceLevel = readonly [price: string, size: string];

/** https://bybit-exchange.github.io/docs/v5/enum#interval */
export type KlineInterval = '1' | '3' | '5' | '15' | '30' | '60' | '120' | '240' | '360' | '720' | 'D' | 'W' | 'M';

export interface ServerTime {
  readonly serverTimeMs: number;
  /** serverTime − local clock, measured with half the round trip. */
  readonly offsetMs: number;
  readonly roundTripMs: number;
}

export interface Instrument {
  readonly symbol: string;
  readonly status: string;
  readonly contractType: string;
  readonly baseCoin: string;
  readonly quoteCoin: string;
  readonly settleCoin: string;
  readonly priceScale: number;
  readonly tickSize: string;
  readonly minPrice: string;
  readonly maxPrice: string;
  readonly qtyStep: string;
  readonly minOrderQty: string;
  readonly maxOrderQty: string;
  readonly maxMarketOrderQty: string;
  readonly minNotionalValue: string;
  readonly minLeverage: string;
  readonly maxLeverage: string;
  readonly leverageStep: string;
  readonly fundingIntervalMinutes: number;
}

export interface OrderbookSnapshot {
  readonly symbol: string;
  readonly bids: readonly PriceLevel[];
  readonly asks: readonly PriceLevel[];
  readonly ts: number;
  readonly updateId: number;
  readonly seq: number;
  readonly cts: number;
}

export interface Kline {
  readonly start: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly turnover: string;
}

export interface PlaceOrderRequest {
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly qty: string;
  readonly price?: string;
  readonly timeInForce?: TimeInForce;
  /** ≤36 chars [A-Za-z0-9_-]; deterministic, derived from the signal (SPEC §7). */
  readonly orderLinkId: string;
  readonly positionIdx?: 0 | 1 | 2;
  readonly reduceOnly?: boolean;
  readonly takeProfit?: string;
  readonly stopLoss?: string;
}

export type OrderRef =
  | { readonly orderId: string; readonly orderLinkId?: string }
  | { readonly orderId?: undefined; readonly orderLinkId: string };

export type AmendOrderRequest = OrderRef & {
  readonly symbol: string;
  readonly qty?: string;
  readonly price?: string;
  readonly takeProfit?: string;
  readonly stopLoss?: string;
};

export type CancelOrderRequest = OrderRef & { readonly symbol: string };

/** Create/amend/cancel are asynchronous at Bybit: an ack means accepted; the final state comes on the private stream. */
export interface OrderAck {
  readonly orderId: string;
  readonly orderLinkId: string;
}

export interface ExchangeOrder {
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: string;
  readonly price: string;
  readonly qty: string;
  readonly timeInForce: string;
  readonly positionIdx: number;
  readonly status: OrderStatus;
  readonly cancelType: string;
  readonly rejectReason: string;
  /** null when nothing filled ("", null or "0" on the wire). */
  readonly avgPrice: string | null;
  readonly leavesQty: string;
  readonly cumExecQty: string;
  readonly cumExecValue: string;
  /** cumExecFee, or the sum of cumFeeDetail when only that is sent. */
  readonly cumExecFee: string;
  readonly cumFeeDetail: Readonly<Record<string, string>> | null;
  readonly triggerPrice: string;
  readonly takeProfit: string;
  readonly stopLoss: string;
  readonly reduceOnly: boolean;
  readonly createType: string;
  readonly createdTime: number;
  readonly updatedTime: number;
}

export interface ExchangeExecution {
  readonly execId: string;
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: string;
  readonly execType: string;
  readonly execPrice: string;
  readonly execQty: string;
  readonly execValue: string;
  /** Empty on execution.fast. */
  readonly execFee: string;
  readonly feeRate: string;
  readonly feeCurrency: string;
  readonly isMaker: boolean;
  readonly leavesQty: string;
  readonly closedSize: string;
  readonly markPrice: string;
  readonly execTime: number;
  readonly seq: number;
}

export interface ExchangePosition {
  readonly symbol: string;
  readonly positionIdx: number;
  /** '' when flat. */
  readonly side: Side | '';
  readonly size: string;
  /** avgPrice (REST) or entryPrice (WS). */
  readonly entryPrice: string;
  readonly positionValue: string;
  readonly leverage: string;
  readonly markPrice: string;
  readonly liqPrice: string;
  readonly takeProfit: string;
  readonly stopLoss: string;
  readonly unrealisedPnl: string;
  readonly curRealisedPnl: string;
  readonly cumRealisedPnl: string;
  readonly positionStatus: string;
  readonly seq: number;
  readonly createdTime: number;
  readonly updatedTime: number;
}

export interface WalletCoin {
  readonly coin: string;
  readonly equity: string;
  readonly walletBalance: string;
  readonly locked: string;
  readonly unrealisedPnl: string;
  readonly cumRealisedPnl: string;
  readonly totalOrderIM: string;
  readonly totalPositionIM: string;
  readonly totalPositionMM: string;
  readonly usdValue: string;
}

export interface WalletBalance {
  readonly accountType: string;
  readonly totalEquity: string;
  readonly totalWalletBalance: string;
  readonly totalMarginBalance: string;
  readonly totalAvailableBalance: string;
  readonly totalPerpUPL: string;
  readonly totalInitialMargin: string;
  readonly totalMaintenanceMargin: string;
  readonly coins: readonly WalletCoin[];
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Send back as `cursor` for the next page; null at the end. */
  readonly nextCursor: string | null;
}

export interface OrderQuery {
  readonly symbol?: string;
  readonly orderId?: string;
  readonly orderLinkId?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface OrderHistoryQuery extends OrderQuery {
  readonly orderStatus?: OrderStatus;
  readonly startTime?: number;
  readonly endTime?: number;
}

export interface ExecutionQuery {
  readonly symbol?: string;
  readonly orderId?: string;
  readonly orderLinkId?: string;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly limit?: number;
  readonly cursor?: string;
}

// ---- stream messages -------------------------------------------------------------------------------------------

export interface BookMessage {
  readonly type: 'snapshot' | 'delta';
  readonly symbol: string;
  readonly depth: number;
  /** Bybit's arrays as received: no copy on the hot path. Size "0" in a delta deletes the level. */
  readonly bids: readonly PriceLevel[];
  readonly asks: readonly PriceLevel[];
  /** `u`: +1 per update on one depth; 1 means a service restart (overwrite, not a gap). */
  readonly updateId: number;
  /** `seq`: cross sequence, increasing but not consecutive. */
  readonly seq: number;
  /** Exchange time of the push (`ts`) and matching-engine time (`cts`, 0 when absent). */
  readonly ts: number;
  readonly cts: number;
  readonly receivedAt: number;
}

export interface PublicTrade {
  readonly time: number;
  readonly symbol: string;
  /** Taker side. */
  readonly side: Side;
  readonly size: string;
  readonly price: string;
  readonly tradeId: string;
  readonly blockTrade: boolean;
  readonly seq: number;
}

export interface TradesMessage {
  readonly symbol: string;
  readonly ts: number;
  readonly trades: readonly PublicTrade[];
  readonly receivedAt: number;
}

export interface CandleMessage {
  readonly symbol: string;
  readonly interval: string;
  readonly start: number;
  readonly end: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly turnover: string;
  /** true when the candle is closed. */
  readonly confirm: boolean;
  readonly timestamp: number;
  readonly receivedAt: number;
}

/** Tickers arrive as a snapshot then deltas; the stream merges them and always hands out the full ticker. */
export interface TickerMessage {
  readonly symbol: string;
  readonly lastPrice: string;
  readonly markPrice: string;
  readonly indexPrice: string;
  readonly bid1Price: string;
  readonly bid1Size: string;
  readonly ask1Price: string;
  readonly ask1Size: string;
  readonly fundingRate: string;
  readonly nextFundingTime: string;
  readonly openInterest: string;
  readonly volume24h: string;
  readonly turnover24h: string;
  readonly price24hPcnt: string;
  readonly ts: number;
  readonly receivedAt: number;
}

export type ConnectionName = 'bybit.public' | 'bybit.private';
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'auth-failed';

export interface ConnectionStateChange {
  readonly connection: ConnectionName;
  readonly state: ConnectionState;
  readonly previous: ConnectionState;
  readonly at: number;
  /** Reconnect attempt number (1-based) while reconnecting. */
  readonly attempt?: number;
  readonly reason?: string;
}

export interface MarketStreamEvents {
  book: BookMessage;
  trades: TradesMessage;
  candle: CandleMessage;
  ticker: TickerMessage;
  connection: ConnectionStateChange;
  /** A subscribe was refused by the exchange (e.g. an unknown topic). */
  subscriptionFailed: { readonly topics: readonly string[]; readonly reason: string };
}

export interface PrivateStreamEvents {
  order: ExchangeOrder;
  execution: ExchangeExecution;
  position: ExchangePosition;
  wallet: WalletBalance;
  connection: ConnectionStateChange;
}

export type Unsubscribe = () => void;
