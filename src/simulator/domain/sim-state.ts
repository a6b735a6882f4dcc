/**
 * The simulated account's state as plain JSON data: integers for ticks/lots/times, exact decimal strings for
 * money. Keeping the live state JSON-shaped makes the snapshot a copy (the simulator persists the account across
 * restarts) and keeps float arithmetic out: money is parsed into `Dec` only where it is computed.
 */
import type { Side } from './liquidity';

export type OrderType = 'Market' | 'Limit';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'PostOnly';
/** Bybit V5 Enums: orderStatus. Untriggered/Triggered belong to conditional orders, which are not simulated. */
export type OrderStatus = 'New' | 'PartiallyFilled' | 'Filled' | 'Cancelled' | 'Rejected' | 'Deactivated';
export type CancelType = 'UNKNOWN' | 'CancelByUser' | 'CancelByReduceOnly';
/** Bybit V5 Enums: rejectReason, the subset the simulator produces. */
export type RejectReason =
  | 'EC_NoError'
  | 'EC_PerCancelRequest'
  | 'EC_PostOnlyWillTakeLiquidity'
  | 'EC_NoImmediateQtyToFill'
  | 'EC_CancelForNoFullFill'
  | 'EC_ReachMarketPriceLimit';

export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['New', 'PartiallyFilled']);

export interface OrderState {
  orderId: string;
  orderLinkId: string;
  symbol: string;
  side: Side;
  orderType: OrderType;
  timeInForce: TimeInForce;
  reduceOnly: boolean;
  /** Limit price, or for a Market order the slippage-band price it was allowed to fill to; 0 = none. */
  priceTicks: number;
  qtyLots: number;
  cumLots: number;
  cumValue: string;
  cumFee: string;
  status: OrderStatus;
  cancelType: CancelType;
  rejectReason: RejectReason;
  /** Last traded (else mark) price when the order was created; 0 = unknown. */
  lastPriceOnCreatedTicks: number;
  createdTime: number;
  updatedTime: number;
  /** Time priority among resting orders at one price; renewed when an amend changes price or qty. */
  priority: number;
}

export interface ExecutionState {
  execId: string;
  orderId: string;
  orderLinkId: string;
  symbol: string;
  side: Side;
  orderType: OrderType;
  orderPriceTicks: number;
  orderQtyLots: number;
  /** The order's leavesQty right after this fill. */
  leavesLots: number;
  execPriceTicks: number;
  execLots: number;
  execValue: string;
  execFee: string;
  feeRate: string;
  isMaker: boolean;
  markPriceTicks: number;
  /** Lots of this fill that reduced an opposite position. */
  closedLots: number;
  /** Realised PnL of those lots before fees (Bybit `execPnl`); "0" for an opening fill. */
  execPnl: string;
  execTime: number;
  seq: number;
}

export interface PositionState {
  symbol: string;
  /** Signed size in lots: + long (side Buy), − short (side Sell), 0 flat. */
  sizeLots: number;
  /** Sum of entry notional still held (size × avgPrice), exact; "0" when flat. */
  entryValue: string;
  leverage: string;
  cumRealisedPnl: string;
  curRealisedPnl: string;
  createdTime: number;
  updatedTime: number;
  seq: number;
}

export interface WalletState {
  coin: 'USDT';
  walletBalance: string;
  cumRealisedPnl: string;
}

export interface MarketState {
  /** Mark price in ticks used for unrealised PnL; 0 = unknown (then the entry price is used: zero PnL). */
  markTicks: number;
  /** Last simulated or public trade price in ticks; 0 = unknown. */
  lastTicks: number;
}

export interface EngineSnapshot {
  version: 1;
  /** Next value passed to the IdFactory. */
  idCounter: number;
  /** Salt of this account's ids, fixed at creation (absent in accounts created before it existed: 0). */
  idEpoch?: number;
  /** Cross sequence for executions and positions (Bybit `seq`), strictly increasing. */
  seq: number;
  /** Time-priority counter for resting orders. */
  priority: number;
  wallet: WalletState;
  positions: PositionState[];
  markets: Record<string, MarketState>;
  /** Open and retained closed orders, oldest first. */
  orders: OrderState[];
  /** Retained executions, oldest first. */
  executions: ExecutionState[];
}
