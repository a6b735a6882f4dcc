/**
 * Wire → module types, for REST results and WS frames alike. Pure functions; tolerant of the differences between
 * docs and samples listed in BYBIT.md §5 and §12 (avgPrice "", null or "0"; cumExecFee vs cumFeeDetail;
 * entryPrice vs avgPrice; totalPerpUPL vs totalPerpUpl).
 */
import { ExchangeError } from '../exchange.errors';
import {
  BookMessage,
  CandleMessage,
  ExchangeExecution,
  ExchangeOrder,
  ExchangePosition,
  Instrument,
  Kline,
  ORDER_STATUSES,
  OrderbookSnapshot,
  OrderStatus,
  PriceLevel,
  PublicTrade,
  Side,
  TickerMessage,
  TradesMessage,
  WalletBalance,
  WalletCoin,
} from '../exchange.types';

export type Raw = Readonly<Record<string, unknown>>;

const STATUS_SET: ReadonlySet<string> = new Set(ORDER_STATUSES);

export function str(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '') return Number(value);
  return 0;
}

function bool(value: unknown): boolean {
  return value === true || value === 'true' || value === 1 || value === '1';
}

function side(value: unknown, context: string): Side {
  if (value === 'Buy' || value === 'Sell') return value;
  throw new ExchangeError('BAD_RESPONSE', `Unknown side ${JSON.stringify(value)} in ${context}`, { fault: 'business' });
}

function obj(value: unknown): Raw {
  return typeof value === 'object' && value !== null ? (value as Raw) : {};
}

export function parseInstrument(raw: Raw): Instrument {
  const price = obj(raw.priceFilter);
  const lot = obj(raw.lotSizeFilter);
  const lev = obj(raw.leverageFilter);
  return {
    symbol: str(raw.symbol),
    status: str(raw.status),
    contractType: str(raw.contractType),
    baseCoin: str(raw.baseCoin),
    quoteCoin: str(raw.quoteCoin),
    settleCoin: str(raw.settleCoin),
    priceScale: num(raw.priceScale),
    tickSize: str(price.tickSize),
    minPrice: str(price.minPrice),
    maxPrice: str(price.maxPrice),
    qtyStep: str(lot.qtyStep),
    minOrderQty: str(lot.minOrderQty),
    maxOrderQty: str(lot.maxOrderQty),
    maxMarketOrderQty: str(lot.maxMktOrderQty),
    minNotionalValue: str(lot.minNotionalValue) || '0',
    minLeverage: str(lev.minLeverage),
    maxLeverage: str(lev.maxLeverage),
    leverageStep: str(lev.leverageStep),
    fundingIntervalMinutes: num(raw.fundingInterval),
  };
}

export function parseOrderbook(raw: Raw): OrderbookSnapshot {
  return {
    symbol: str(raw.s),
    bids: (raw.b as PriceLevel[] | undefined) ?? [],
    asks: (raw.a as PriceLevel[] | undefined) ?? [],
    ts: num(raw.ts),
    updateId: num(raw.u),
    seq: num(raw.seq),
    cts: num(raw.cts),
  };
}

/** Row [startTime, open, high, low, close, volume, turnover]. */
export function parseKlineRow(row: readonly unknown[]): Kline {
  return {
    start: num(row[0]),
    open: str(row[1]),
    high: str(row[2]),
    low: str(row[3]),
    close: str(row[4]),
    volume: str(row[5]),
    turnover: str(row[6]),
  };
}

function noneIfZero(value: unknown): string | null {
  const text = str(value);
  return text === '' || /^0(\.0*)?$/.test(text) ? null : text;
}

function feeDetail(value: unknown): Record<string, string> | null {
  if (typeof value !== 'object' || value === null) return null;
  const out: Record<string, string> = {};
  for (const [coin, fee] of Object.entries(value as Raw)) out[coin] = str(fee);
  return out;
}

export function parseOrder(raw: Raw): ExchangeOrder {
  const status = str(raw.orderStatus);
  if (!STATUS_SET.has(status)) {
    throw new ExchangeError('BAD_RESPONSE', `Unknown orderStatus ${JSON.stringify(status)}`, { fault: 'business' });
  }
  const detail = feeDetail(raw.cumFeeDetail);
  const cumExecFee =
    raw.cumExecFee !== undefined && raw.cumExecFee !== null && raw.cumExecFee !== ''
      ? str(raw.cumExecFee)
      : detail
        ? (Object.values(detail)[0] ?? '0')
        : '0';
  return {
    orderId: str(raw.orderId),
    orderLinkId: str(raw.orderLinkId),
    symbol: str(raw.symbol),
    side: side(raw.side, 'order'),
    orderType: str(raw.orderType),
    price: str(raw.price),
    qty: str(raw.qty),
    timeInForce: str(raw.timeInForce),
    positionIdx: num(raw.positionIdx),
    status: status as OrderStatus,
    cancelType: str(raw.cancelType),
    rejectReason: str(raw.rejectReason),
    avgPrice: noneIfZero(raw.avgPrice),
    leavesQty: str(raw.leavesQty),
    cumExecQty: str(raw.cumExecQty),
    cumExecValue: str(raw.cumExecValue),
    cumExecFee,
    cumFeeDetail: detail,
    triggerPrice: str(raw.triggerPrice),
    takeProfit: str(raw.takeProfit),
    stopLoss: str(raw.stopLoss),
    reduceOnly: bool(raw.reduceOnly),
    createType: str(raw.createType),
    createdTime: num(raw.createdTime),
    updatedTime: num(raw.updatedTime),
  };
}

export function parseExecution(raw: Raw): ExchangeExecution {
  return {
    execId: str(raw.execId),
    orderId: str(raw.orderId),
    orderLinkId: str(raw.orderLinkId),
    symbol: str(raw.symbol),
    side: side(raw.side, 'execution'),
    orderType: str(raw.orderType),
    execType: str(raw.execType) || 'Trade',
    execPrice: str(raw.execPrice),
    execQty: str(raw.execQty),
    execValue: str(raw.execValue),
    execFee: str(raw.execFee),
    feeRate: str(raw.feeRate),
    feeCurrency: str(raw.feeCurrency),
    isMaker: bool(raw.isMaker),
    leavesQty: str(raw.leavesQty),
    closedSize: str(raw.closedSize),
    markPrice: str(raw.markPrice),
    execTime: num(raw.execTime),
    seq: num(raw.seq),
  };
}

export function parsePosition(raw: Raw): ExchangePosition {
  const rawSide = raw.side;
  return {
    symbol: str(raw.symbol),
    positionIdx: num(raw.positionIdx),
    side: rawSide === 'Buy' || rawSide === 'Sell' ? rawSide : '',
    size: str(raw.size),
    entryPrice: str(raw.entryPrice ?? raw.avgPrice),
    positionValue: str(raw.positionValue),
    leverage: str(raw.leverage),
    markPrice: str(raw.markPrice),
    liqPrice: str(raw.liqPrice),
    takeProfit: str(raw.takeProfit),
    stopLoss: str(raw.stopLoss),
    unrealisedPnl: str(raw.unrealisedPnl),
    curRealisedPnl: str(raw.curRealisedPnl),
    cumRealisedPnl: str(raw.cumRealisedPnl),
    positionStatus: str(raw.positionStatus),
    seq: num(raw.seq),
    createdTime: num(raw.createdTime),
    updatedTime: num(raw.updatedTime),
  };
}

function parseCoin(raw: Raw): WalletCoin {
  return {
    coin: str(raw.coin),
    equity: str(raw.equity),
    walletBalance: str(raw.walletBalance),
    locked: str(raw.locked),
    unrealisedPnl: str(raw.unrealisedPnl),
    cumRealisedPnl: str(raw.cumRealisedPnl),
    totalOrderIM: str(raw.totalOrderIM),
    totalPositionIM: str(raw.totalPositionIM),
    totalPositionMM: str(raw.totalPositionMM),
    usdValue: str(raw.usdValue),
  };
}

export function parseWallet(raw: Raw): WalletBalance {
  const coins = Array.isArray(raw.coin) ? (raw.coin as Raw[]).map(parseCoin) : [];
  return {
    accountType: str(raw.accountType) || 'UNIFIED',
    totalEquity: str(raw.totalEquity),
    totalWalletBalance: str(raw.totalWalletBalance),
    totalMarginBalance: str(raw.totalMarginBalance),
    totalAvailableBalance: str(raw.totalAvailableBalance),
    totalPerpUPL: str(raw.totalPerpUPL ?? raw.totalPerpUpl),
    totalInitialMargin: str(raw.totalInitialMargin),
    totalMaintenanceMargin: str(raw.totalMaintenanceMargin),
    coins,
  };
}

// ---- public stream frames (the hot path: no copies of the level arrays, no logging) ------------------------------

export function parseBookMessage(frame: Raw, depth: number, receivedAt: number): BookMessage {
  const data = frame.data as Raw;
  return {
    type: frame.type === 'snapshot' ? 'snapshot' : 'delta',
    symbol: data.s as string,
    depth,
    bids: (data.b as PriceLevel[]) ?? EMPTY,
    asks: (data.a as PriceLevel[]) ?? EMPTY,
    updateId: data.u as number,
    seq: (data.seq as number) ?? 0,
    ts: frame.ts as number,
    cts: (frame.cts as number) ?? 0,
    receivedAt,
  };
}

const EMPTY: readonly PriceLevel[] = Object.freeze([]) as readonly PriceLevel[];

export function parseTradesMessage(frame: Raw, receivedAt: number): TradesMessage {
  const rows = frame.data as Raw[];
  const trades: PublicTrade[] = new Array<PublicTrade>(rows.length);
  for (let i = 0; i < rows.length; i += 1) {
    const r = rows[i];
    trades[i] = {
      time: num(r.T),
      symbol: r.s as string,
      side: r.S as Side,
      size: r.v as string,
      price: r.p as string,
      tradeId: str(r.i),
      blockTrade: r.BT === true,
      seq: num(r.seq),
    };
  }
  return { symbol: rows.length > 0 ? (rows[0].s as string) : '', ts: num(frame.ts), trades, receivedAt };
}

export function parseCandles(frame: Raw, symbol: string, receivedAt: number): CandleMessage[] {
  const rows = frame.data as Raw[];
  return rows.map((r) => ({
    symbol,
    interval: str(r.interval),
    start: num(r.start),
    end: num(r.end),
    open: str(r.open),
    high: str(r.high),
    low: str(r.low),
    close: str(r.close),
    volume: str(r.volume),
    turnover: str(r.turnover),
    confirm: r.confirm === true,
    timestamp: num(r.timestamp),
    receivedAt,
  }));
}

const TICKER_FIELDS = [
  'lastPrice',
  'markPrice',
  'indexPrice',
  'bid1Price',
  'bid1Size',
  'ask1Price',
  'ask1Size',
  'fundingRate',
  'nextFundingTime',
  'openInterest',
  'volume24h',
  'turnover24h',
  'price24hPcnt',
] as const;

type MutableTicker = { -readonly [K in keyof TickerMessage]: TickerMessage[K] };

/** Merges a ticker snapshot or delta into `previous` (fields a delta omits are unchanged). */
export function mergeTicker(previous: TickerMessage | undefined, frame: Raw, receivedAt: number): TickerMessage {
  const data = frame.data as Raw;
  const next: MutableTicker =
    previous && frame.type !== 'snapshot'
      ? { ...previous }
      : {
          symbol: str(data.symbol),
          lastPrice: '',
          markPrice: '',
          indexPrice: '',
          bid1Price: '',
          bid1Size: '',
          ask1Price: '',
          ask1Size: '',
          fundingRate: '',
          nextFundingTime: '',
          openInterest: '',
          volume24h: '',
          turnover24h: '',
          price24hPcnt: '',
          ts: 0,
          receivedAt,
        };
  for (const field of TICKER_FIELDS) {
    const value = data[field];
    if (value !== undefined && value !== '') next[field] = str(value);
  }
  next.ts = num(frame.ts);
  next.receivedAt = receivedAt;
  return next;
}
