import type { Side } from './liquidity';

/**
 * Bybit V5 public WebSocket messages (category linear) exactly as Bybit sends them: field names, string-typed
 * decimals, envelope key order. Shapes follow shared/spec/BYBIT.md §6 and the v5-samples.
 */

/** Supported `orderbook.{depth}` depths; 500 is retired live but kept for recorded archives (BYBIT.md §6.1). */
export const ORDERBOOK_DEPTHS = [1, 50, 200, 500, 1000] as const;
export type OrderbookDepth = (typeof ORDERBOOK_DEPTHS)[number];

/** Push interval per depth in ms (Bybit V5 docs: WebSocket > Orderbook, linear). */
export const ORDERBOOK_PUSH_MS: Readonly<Record<OrderbookDepth, number>> = {
  1: 10,
  50: 20,
  200: 100,
  500: 100,
  1000: 200,
};

/** Level 1 re-sends its snapshot with the same `u` after this long without a change. */
export const LEVEL1_RESEND_MS = 3000;

export type PriceSize = [price: string, size: string];

export interface OrderbookData {
  s: string;
  b: PriceSize[];
  a: PriceSize[];
  u: number;
  seq: number;
}

export interface OrderbookMessage {
  topic: string;
  type: 'snapshot' | 'delta';
  ts: number;
  data: OrderbookData;
  cts: number;
}

export type TickDirection = 'PlusTick' | 'ZeroPlusTick' | 'MinusTick' | 'ZeroMinusTick';

export interface PublicTradeRecord {
  T: number;
  s: string;
  S: Side;
  v: string;
  p: string;
  L: TickDirection;
  i: string;
  BT: boolean;
  RPI: boolean;
  seq: number;
}

export interface PublicTradeMessage {
  topic: string;
  type: 'snapshot';
  ts: number;
  data: PublicTradeRecord[];
}

export interface KlineRecord {
  start: number;
  end: number;
  interval: string;
  open: string;
  close: string;
  high: string;
  low: string;
  volume: string;
  turnover: string;
  confirm: boolean;
  timestamp: number;
}

export interface KlineMessage {
  topic: string;
  data: KlineRecord[];
  ts: number;
  type: 'snapshot';
}

/** Get Tickers fields plus `tickDirection` (WS). All strings, as Bybit sends them. */
export interface TickerRecord {
  symbol: string;
  tickDirection: TickDirection;
  price24hPcnt: string;
  lastPrice: string;
  prevPrice24h: string;
  highPrice24h: string;
  lowPrice24h: string;
  prevPrice1h: string;
  markPrice: string;
  indexPrice: string;
  openInterest: string;
  openInterestValue: string;
  turnover24h: string;
  volume24h: string;
  nextFundingTime: string;
  fundingRate: string;
  bid1Price: string;
  bid1Size: string;
  ask1Price: string;
  ask1Size: string;
  fundingIntervalHour: string;
}

export interface TickerMessage {
  topic: string;
  type: 'snapshot' | 'delta';
  /** A snapshot carries every field; a delta only the changed ones plus `symbol` (clients merge). */
  data: Partial<TickerRecord> & { symbol: string };
  cs: number;
  ts: number;
}

export type PublicMessage = OrderbookMessage | PublicTradeMessage | KlineMessage | TickerMessage;

/** REST Get Orderbook `result`. */
export interface OrderbookView {
  s: string;
  b: PriceSize[];
  a: PriceSize[];
  ts: number;
  u: number;
  seq: number;
  cts: number;
}

/** REST Get Recent Public Trades list item. */
export interface RecentTradeView {
  execId: string;
  symbol: string;
  price: string;
  size: string;
  side: Side;
  time: string;
  isBlockTrade: boolean;
  isRPITrade: boolean;
  seq: string;
}

/** REST Get Kline row: [startTime, open, high, low, close, volume, turnover], all strings. */
export type KlineRow = [string, string, string, string, string, string, string];

export type PublicTopic =
  | { kind: 'orderbook'; depth: OrderbookDepth; symbol: string }
  | { kind: 'publicTrade'; symbol: string }
  | { kind: 'kline'; interval: '1'; symbol: string }
  | { kind: 'tickers'; symbol: string };

export function orderbookTopic(depth: OrderbookDepth, symbol: string): string {
  return `orderbook.${depth}.${symbol}`;
}

export function isOrderbookDepth(value: number): value is OrderbookDepth {
  return (ORDERBOOK_DEPTHS as readonly number[]).includes(value);
}

/** Parses a public topic name; undefined for anything the simulator does not serve (→ `success:false`). */
export function parsePublicTopic(topic: string): PublicTopic | undefined {
  const parts = topic.split('.');
  if (parts[0] === 'orderbook' && parts.length === 3) {
    const depth = Number(parts[1]);
    return isOrderbookDepth(depth) && String(depth) === parts[1] && parts[2]
      ? { kind: 'orderbook', depth, symbol: parts[2] }
      : undefined;
  }
  if (parts[0] === 'publicTrade' && parts.length === 2 && parts[1]) return { kind: 'publicTrade', symbol: parts[1] };
  if (parts[0] === 'kline' && parts.length === 3 && parts[1] === '1' && parts[2])
    return { kind: 'kline', interval: '1', symbol: parts[2] };
  if (parts[0] === 'tickers' && parts.length === 2 && parts[1]) return { kind: 'tickers', symbol: parts[1] };
  return undefined;
}
