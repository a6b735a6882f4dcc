/**
 * Renders the account state into Bybit V5's wire records: REST list items (Get Open & Closed Orders, Get Order
 * History, Get Trade History, Get Position Info, Get Wallet Balance) and private WS `data[]` items (order,
 * execution, position, wallet). Field names, order and string/number/boolean types follow the samples in
 * shared/data/bybit/v5-samples and BYBIT.md §5/§7; fields for features the simulator lacks (TP/SL, conditional
 * orders, options, SMP) carry Bybit's neutral values so clients parse them unchanged.
 */
import { Dec } from './exact-decimal';
import type { Instrument } from './instrument';
import type { ExecutionState, OrderState, PositionState } from './sim-state';

const CATEGORY = 'linear';
const SETTLE_COIN = 'USDT';

/** Money as Bybit prints it: exact, no trailing zeros ("3000.05", "1.650028", "0"). */
export function money(value: Dec): string {
  return value.toString();
}

function moneyOf(text: string): string {
  return Dec.parse(text).toString();
}

// ---------------------------------------------------------------------------------------------------- orders

interface OrderCommon {
  orderId: string;
  orderLinkId: string;
  symbol: string;
  price: string;
  qty: string;
  side: string;
  positionIdx: number;
  orderStatus: string;
  cancelType: string;
  rejectReason: string;
  leavesQty: string;
  leavesValue: string;
  cumExecQty: string;
  cumExecValue: string;
  cumExecFee: string;
  /** Bybit's replacement for cumExecFee ({coin: fee}); {} before any fill. */
  cumFeeDetail: Record<string, string>;
  timeInForce: string;
  orderType: string;
  stopOrderType: string;
  triggerPrice: string;
  takeProfit: string;
  stopLoss: string;
  tpTriggerBy: string;
  slTriggerBy: string;
  triggerDirection: number;
  triggerBy: string;
  lastPriceOnCreated: string;
  reduceOnly: boolean;
  closeOnTrigger: boolean;
  smpType: string;
  smpGroup: number;
  smpOrderId: string;
  tpslMode: string;
  tpLimitPrice: string;
  slLimitPrice: string;
  placeType: string;
  createType: string;
  createdTime: string;
  updatedTime: string;
}

/** Get Open & Closed Orders / Get Order History list item. */
export interface V5RestOrder extends OrderCommon {
  blockTradeId: null;
  isLeverage: string;
  /** null before any fill, as in the REST samples (docs say ""; clients treat "", null, "0" alike). */
  avgPrice: string | null;
  orderIv: null;
}

/** Private WS `order` data item. */
export interface V5WsOrder extends OrderCommon {
  category: string;
  blockTradeId: string;
  /** "0" before any fill, as in the WS sample. */
  avgPrice: string;
  orderIv: string;
  feeCurrency: string;
}

function orderCommon(order: OrderState, instrument: Instrument): OrderCommon {
  const leavesLots = order.qtyLots - order.cumLots;
  const fee = Dec.parse(order.cumFee);
  return {
    orderId: order.orderId,
    orderLinkId: order.orderLinkId,
    symbol: order.symbol,
    price: order.priceTicks > 0 ? instrument.price(order.priceTicks) : '0',
    qty: instrument.qty(order.qtyLots),
    side: order.side,
    positionIdx: 0,
    orderStatus: order.status,
    cancelType: order.cancelType,
    rejectReason: order.rejectReason,
    leavesQty: instrument.qty(leavesLots),
    leavesValue: order.priceTicks > 0 ? money(instrument.value(order.priceTicks, leavesLots)) : '0',
    cumExecQty: instrument.qty(order.cumLots),
    cumExecValue: moneyOf(order.cumValue),
    cumExecFee: money(fee),
    cumFeeDetail: order.cumLots > 0 ? { [SETTLE_COIN]: money(fee) } : {},
    timeInForce: order.timeInForce,
    orderType: order.orderType,
    stopOrderType: '',
    triggerPrice: '0',
    takeProfit: '0',
    stopLoss: '0',
    tpTriggerBy: '',
    slTriggerBy: '',
    triggerDirection: 0,
    triggerBy: '',
    lastPriceOnCreated: order.lastPriceOnCreatedTicks > 0 ? instrument.price(order.lastPriceOnCreatedTicks) : '0',
    reduceOnly: order.reduceOnly,
    closeOnTrigger: false,
    smpType: 'None',
    smpGroup: 0,
    smpOrderId: '',
    tpslMode: '',
    tpLimitPrice: '0',
    slLimitPrice: '0',
    placeType: '',
    createType: 'CreateByUser',
    createdTime: String(order.createdTime),
    updatedTime: String(order.updatedTime),
  };
}

function orderAvgPrice(order: OrderState, instrument: Instrument): string | null {
  if (order.cumLots === 0) return null;
  return instrument.formatAvgPrice(Dec.parse(order.cumValue).div(instrument.qtyDec(order.cumLots), 12, 'half-up'));
}

export function restOrder(order: OrderState, instrument: Instrument): V5RestOrder {
  return {
    ...orderCommon(order, instrument),
    blockTradeId: null,
    isLeverage: '',
    avgPrice: orderAvgPrice(order, instrument),
    orderIv: null,
  };
}

export function wsOrder(order: OrderState, instrument: Instrument): V5WsOrder {
  return {
    category: CATEGORY,
    ...orderCommon(order, instrument),
    blockTradeId: '',
    avgPrice: orderAvgPrice(order, instrument) ?? '0',
    orderIv: '',
    feeCurrency: '',
  };
}

// ------------------------------------------------------------------------------------------------ executions

interface ExecutionCommon {
  symbol: string;
  orderId: string;
  orderLinkId: string;
  side: string;
  orderPrice: string;
  orderQty: string;
  leavesQty: string;
  orderType: string;
  stopOrderType: string;
  execFee: string;
  execId: string;
  execPrice: string;
  execQty: string;
  execType: string;
  execValue: string;
  execTime: string;
  isMaker: boolean;
  feeRate: string;
  tradeIv: string;
  markIv: string;
  markPrice: string;
  indexPrice: string;
  underlyingPrice: string;
  blockTradeId: string;
  closedSize: string;
  /** Realised PnL of the closing part of this fill, before fees (Bybit added it to execution records). */
  execPnl: string;
  seq: number;
}

/** Get Trade History (GET /v5/execution/list) list item. */
export interface V5RestExecution extends ExecutionCommon {
  createType: string;
  feeCurrency: string;
}

/** Private WS `execution` data item. */
export interface V5WsExecution extends ExecutionCommon {
  category: string;
  isLeverage: string;
  createType: string;
  feeCurrency: string;
}

function executionCommon(execution: ExecutionState, instrument: Instrument): ExecutionCommon {
  return {
    symbol: execution.symbol,
    orderId: execution.orderId,
    orderLinkId: execution.orderLinkId,
    side: execution.side,
    orderPrice: execution.orderPriceTicks > 0 ? instrument.price(execution.orderPriceTicks) : '0',
    orderQty: instrument.qty(execution.orderQtyLots),
    leavesQty: instrument.qty(execution.leavesLots),
    orderType: execution.orderType,
    stopOrderType: 'UNKNOWN',
    execFee: moneyOf(execution.execFee),
    execId: execution.execId,
    execPrice: instrument.price(execution.execPriceTicks),
    execQty: instrument.qty(execution.execLots),
    execType: 'Trade',
    execValue: moneyOf(execution.execValue),
    execTime: String(execution.execTime),
    isMaker: execution.isMaker,
    feeRate: execution.feeRate,
    tradeIv: '',
    markIv: '',
    markPrice: execution.markPriceTicks > 0 ? instrument.price(execution.markPriceTicks) : '',
    indexPrice: '',
    underlyingPrice: '',
    blockTradeId: '',
    closedSize: instrument.qty(execution.closedLots),
    execPnl: moneyOf(execution.execPnl),
    seq: execution.seq,
  };
}

export function restExecution(execution: ExecutionState, instrument: Instrument): V5RestExecution {
  return { ...executionCommon(execution, instrument), createType: 'CreateByUser', feeCurrency: SETTLE_COIN };
}

export function wsExecution(execution: ExecutionState, instrument: Instrument): V5WsExecution {
  return {
    category: CATEGORY,
    ...executionCommon(execution, instrument),
    isLeverage: '0',
    createType: 'CreateByUser',
    feeCurrency: SETTLE_COIN,
  };
}

// ------------------------------------------------------------------------------------------------- positions

/** Numbers derived from a position and the mark, computed by the engine and printed here. */
export interface PositionFigures {
  readonly positionValue: Dec;
  readonly avgPrice: Dec | null;
  readonly unrealisedPnl: Dec;
  readonly positionIM: Dec;
  readonly positionMM: Dec;
  readonly markTicks: number;
}

interface PositionCommon {
  positionIdx: number;
  tradeMode: number;
  riskId: number;
  riskLimitValue: string;
  symbol: string;
  side: '' | 'Buy' | 'Sell';
  size: string;
  leverage: string;
  positionValue: string;
  positionBalance: string;
  markPrice: string;
  positionIM: string;
  positionMM: string;
  takeProfit: string;
  stopLoss: string;
  trailingStop: string;
  unrealisedPnl: string;
  curRealisedPnl: string;
  cumRealisedPnl: string;
  createdTime: string;
  updatedTime: string;
  tpslMode: string;
  liqPrice: string;
  bustPrice: string;
  positionStatus: string;
  adlRankIndicator: number;
  autoAddMargin: number;
  leverageSysUpdatedTime: string;
  mmrSysUpdatedTime: string;
  seq: number;
  isReduceOnly: boolean;
}

/** Get Position Info list item. */
export interface V5RestPosition extends PositionCommon {
  avgPrice: string;
}

/** Private WS `position` data item: entryPrice instead of avgPrice, plus category and breakEvenPrice. */
export interface V5WsPosition extends PositionCommon {
  category: string;
  entryPrice: string;
  sessionAvgPrice: string;
  breakEvenPrice: string;
  positionIMByMp: string;
  positionMMByMp: string;
}

function positionCommon(position: PositionState, figures: PositionFigures, instrument: Instrument): PositionCommon {
  const size = Math.abs(position.sizeLots);
  return {
    positionIdx: 0,
    tradeMode: 0,
    riskId: 1,
    riskLimitValue: '2000000',
    symbol: position.symbol,
    side: position.sizeLots > 0 ? 'Buy' : position.sizeLots < 0 ? 'Sell' : '',
    size: instrument.qty(size),
    leverage: position.leverage,
    positionValue: money(figures.positionValue),
    positionBalance: '0',
    markPrice: figures.markTicks > 0 ? instrument.price(figures.markTicks) : '0',
    positionIM: money(figures.positionIM),
    positionMM: money(figures.positionMM),
    takeProfit: '0',
    stopLoss: '0',
    trailingStop: '0',
    unrealisedPnl: money(figures.unrealisedPnl),
    curRealisedPnl: moneyOf(position.curRealisedPnl),
    cumRealisedPnl: moneyOf(position.cumRealisedPnl),
    createdTime: String(position.createdTime),
    updatedTime: String(position.updatedTime),
    tpslMode: 'Full',
    liqPrice: '', // liquidation is not simulated
    bustPrice: '',
    positionStatus: 'Normal',
    adlRankIndicator: size > 0 ? 2 : 0,
    autoAddMargin: 0,
    leverageSysUpdatedTime: '',
    mmrSysUpdatedTime: '',
    seq: position.seq,
    isReduceOnly: false,
  };
}

function avgPriceText(figures: PositionFigures, instrument: Instrument): string {
  return figures.avgPrice ? instrument.formatAvgPrice(figures.avgPrice) : '0';
}

export function restPosition(
  position: PositionState,
  figures: PositionFigures,
  instrument: Instrument,
): V5RestPosition {
  const common = positionCommon(position, figures, instrument);
  return { ...common, avgPrice: avgPriceText(figures, instrument) };
}

export function wsPosition(position: PositionState, figures: PositionFigures, instrument: Instrument): V5WsPosition {
  const common = positionCommon(position, figures, instrument);
  return {
    category: CATEGORY,
    ...common,
    entryPrice: avgPriceText(figures, instrument),
    sessionAvgPrice: '',
    breakEvenPrice: '',
    positionIMByMp: common.positionIM,
    positionMMByMp: common.positionMM,
  };
}

// ---------------------------------------------------------------------------------------------------- wallet

/** The account's USDT figures, computed by the engine. */
export interface WalletFigures {
  readonly walletBalance: Dec;
  readonly unrealisedPnl: Dec;
  readonly cumRealisedPnl: Dec;
  readonly totalPositionIM: Dec;
  readonly totalPositionMM: Dec;
  readonly totalOrderIM: Dec;
  /** walletBalance + unrealisedPnl. */
  readonly equity: Dec;
  /** equity − totalPositionIM − totalOrderIM (may be negative after losses: no liquidation is simulated). */
  readonly availableBalance: Dec;
}

export interface V5WalletCoin {
  coin: string;
  equity: string;
  usdValue: string;
  walletBalance: string;
  free: string;
  locked: string;
  spotHedgingQty: string;
  borrowAmount: string;
  availableToWithdraw: string;
  accruedInterest: string;
  totalOrderIM: string;
  totalPositionIM: string;
  totalPositionMM: string;
  unrealisedPnl: string;
  cumRealisedPnl: string;
  bonus: string;
  marginCollateral: boolean;
  collateralSwitch: boolean;
  availableToBorrow: string;
  spotBorrow: string;
}

/** Get Wallet Balance `list[]` item, and the private WS `wallet` data item (docs: the same account object). */
export interface V5WalletAccount {
  accountType: 'UNIFIED';
  accountIMRate: string;
  accountMMRate: string;
  accountLTV: string;
  totalEquity: string;
  totalWalletBalance: string;
  totalMarginBalance: string;
  totalAvailableBalance: string;
  totalPerpUPL: string;
  totalInitialMargin: string;
  totalMaintenanceMargin: string;
  coin: V5WalletCoin[];
}

function rate(part: Dec, whole: Dec): string {
  return whole.sign() > 0 ? money(part.div(whole, 4, 'half-up')) : '0';
}

export function walletAccount(figures: WalletFigures): V5WalletAccount {
  const initialMargin = figures.totalPositionIM.add(figures.totalOrderIM);
  const withdrawable = figures.walletBalance.sub(initialMargin).max(Dec.ZERO);
  return {
    accountType: 'UNIFIED',
    accountIMRate: rate(initialMargin, figures.equity),
    accountMMRate: rate(figures.totalPositionMM, figures.equity),
    accountLTV: '0',
    totalEquity: money(figures.equity),
    totalWalletBalance: money(figures.walletBalance),
    totalMarginBalance: money(figures.equity),
    totalAvailableBalance: money(figures.availableBalance),
    totalPerpUPL: money(figures.unrealisedPnl),
    totalInitialMargin: money(initialMargin),
    totalMaintenanceMargin: money(figures.totalPositionMM),
    coin: [
      {
        coin: SETTLE_COIN,
        equity: money(figures.equity),
        usdValue: money(figures.equity), // USDT counted at 1 USD
        walletBalance: money(figures.walletBalance),
        free: '',
        locked: '0',
        spotHedgingQty: '0',
        borrowAmount: '0',
        availableToWithdraw: money(withdrawable), // deprecated for UNIFIED but still sent (BYBIT.md §4)
        accruedInterest: '0',
        totalOrderIM: money(figures.totalOrderIM),
        totalPositionIM: money(figures.totalPositionIM),
        totalPositionMM: money(figures.totalPositionMM),
        unrealisedPnl: money(figures.unrealisedPnl),
        cumRealisedPnl: money(figures.cumRealisedPnl),
        bonus: '0',
        marginCollateral: true,
        collateralSwitch: true,
        availableToBorrow: '',
        spotBorrow: '0',
      },
    ],
  };
}
