/**
 * The simulated Bybit V5 account for USDT linear perpetuals: one UNIFIED account (USDT wallet), one one-way
 * position per symbol, and the account's orders matched against a simulated book (`LiquiditySource`).
 *
 * Design:
 * - One engine per account, covering every symbol, because margin and the wallet are shared across symbols.
 * - Every mutating call takes the time (`nowMs`) and returns `{ result, updates }`: the REST answer and the private
 *   WS pushes in the order Bybit sends them (order, execution, position, wallet). A business error throws a
 *   `SimulatorRejection` before anything changes, so a rejected request pushes nothing.
 * - The account's own orders are invisible to the book: a taker order walks the book's levels and consumes them
 *   (market impact); a resting order fills as maker at its limit price when the book's opposite side reaches it
 *   (`onMarketMove`) or a public trade goes through it (`onPublicTrade`).
 * - Prices and sizes are integer ticks/lots; money is exact decimal (`Dec`). Divisions (average price, margin,
 *   partial close) round as documented where they happen.
 * - State is plain JSON (`EngineSnapshot`): `toSnapshot()` / `MatchingEngine.fromSnapshot()` round-trip it.
 */
import type { LiquiditySource, Side } from './liquidity';
import { Dec } from './exact-decimal';
import type { Instrument } from './instrument';
import type { IdFactory } from './sim-ids';
import {
  OPEN_STATUSES,
  type CancelType,
  type EngineSnapshot,
  type ExecutionState,
  type MarketState,
  type OrderState,
  type OrderType,
  type PositionState,
  type RejectReason,
  type TimeInForce,
} from './sim-state';
import {
  restExecution,
  restOrder,
  restPosition,
  walletAccount,
  wsExecution,
  wsOrder,
  wsPosition,
  type PositionFigures,
  type V5RestExecution,
  type V5RestOrder,
  type V5RestPosition,
  type V5WalletAccount,
  type V5WsExecution,
  type V5WsOrder,
  type V5WsPosition,
  type WalletFigures,
} from './v5-records';
import { reject, V5_ERRORS } from './v5-errors';

// ------------------------------------------------------------------------------------------ configuration

export interface MatchingEngineConfig {
  /** Fee rates as decimal fractions of the fill value, e.g. "0.00055" taker, "0.0002" maker. */
  readonly takerFeeRate: string;
  readonly makerFeeRate: string;
  /** Market orders fill as IOC limits up to best × (1 ± marketSlippage) (Bybit's slippage protection), e.g. "0.05". */
  readonly marketSlippage: string;
  /** Leverage of a position that was never set, e.g. "10". */
  readonly defaultLeverage: string;
  /** positionMM = positionValue × this (simplified: one tier), e.g. "0.005". */
  readonly maintenanceMarginRate: string;
  /** USDT wallet balance of a new account. */
  readonly initialBalance: string;
  /** Bybit: ≤500 active orders per symbol (110020). */
  readonly maxActiveOrdersPerSymbol: number;
  /** How many closed orders / executions stay queryable (and guard orderLinkId reuse). */
  readonly maxClosedOrders: number;
  readonly maxExecutions: number;
  /**
   * Whether a public trade exactly at a resting order's price fills it. Default false: the simulated order is
   * assumed to queue behind the displayed size, so only trades through the price fill it.
   */
  readonly fillOnTouch: boolean;
}

export const DEFAULT_ENGINE_CONFIG: MatchingEngineConfig = {
  takerFeeRate: '0.00055',
  makerFeeRate: '0.0002',
  marketSlippage: '0.05',
  defaultLeverage: '10',
  maintenanceMarginRate: '0.005',
  initialBalance: '10000',
  maxActiveOrdersPerSymbol: 500,
  maxClosedOrders: 2000,
  maxExecutions: 5000,
  fillOnTouch: false,
};

export interface MatchingEngineDeps {
  readonly config: MatchingEngineConfig;
  readonly instruments: readonly Instrument[];
  /** The simulated book of each symbol (market model or replay). */
  readonly liquidity: (symbol: string) => LiquiditySource;
  /** Turns the engine's id counter into ids (orderId, execId, push ids). */
  readonly newId: IdFactory;
}

// -------------------------------------------------------------------------------------------- requests

/** POST /v5/order/create body fields the simulator honours (strings as received; validated here). */
export interface PlaceOrderRequest {
  readonly symbol: string;
  readonly side: string;
  readonly orderType: string;
  readonly qty: string;
  readonly price?: string;
  readonly timeInForce?: string;
  readonly reduceOnly?: boolean;
  readonly orderLinkId?: string;
  readonly positionIdx?: number;
}

/** POST /v5/order/amend. `orderId` wins when both ids are given. */
export interface AmendOrderRequest {
  readonly symbol: string;
  readonly orderId?: string;
  readonly orderLinkId?: string;
  readonly qty?: string;
  readonly price?: string;
}

/** POST /v5/order/cancel. `orderId` wins when both ids are given. */
export interface CancelOrderRequest {
  readonly symbol: string;
  readonly orderId?: string;
  readonly orderLinkId?: string;
}

export interface OrderAck {
  readonly orderId: string;
  readonly orderLinkId: string;
}

export interface CancelAllAck {
  readonly list: OrderAck[];
  readonly success: '1';
}

export interface OrderQuery {
  readonly symbol?: string;
  readonly orderId?: string;
  readonly orderLinkId?: string;
  /** open: New/PartiallyFilled; closed: Filled/Cancelled/Rejected/Deactivated. */
  readonly scope: 'open' | 'closed' | 'all';
}

export interface ExecutionQuery {
  readonly symbol?: string;
  readonly orderId?: string;
  readonly orderLinkId?: string;
  readonly startTime?: number;
  readonly endTime?: number;
}

// --------------------------------------------------------------------------------------------- outputs

interface Push<T extends string, D> {
  readonly id: string;
  readonly topic: T;
  readonly creationTime: number;
  readonly data: D[];
}

/** One private WS message: `{ id, topic, creationTime, data }` exactly as Bybit's envelope (BYBIT.md §7). */
export type PrivateUpdate =
  | Push<'order', V5WsOrder>
  | Push<'execution', V5WsExecution>
  | Push<'position', V5WsPosition>
  | Push<'wallet', V5WalletAccount>;

export interface EngineResult<T> {
  readonly result: T;
  /** In Bybit's push order: order, execution, position, wallet (each at most once). */
  readonly updates: PrivateUpdate[];
}

export interface FeeRateItem {
  readonly symbol: string;
  readonly takerFeeRate: string;
  readonly makerFeeRate: string;
  readonly baseCoin: string;
}

/** What one operation touched, so the pushes list each order, position and the wallet once, in final state. */
class Touched {
  readonly orders = new Map<string, OrderState>();
  readonly executions: ExecutionState[] = [];
  readonly symbols = new Set<string>();
  constructor(readonly walletBefore: MarginFigures) {}
}

/** What decides whether Bybit pushes the wallet after an operation: the balance and the two initial margins. */
interface MarginFigures {
  readonly walletBalance: Dec;
  readonly orderIM: Dec;
  readonly positionIM: Dec;
}

/** Why an order left the book without filling completely (cancelType, rejectReason); unconfirmed values marked. */
const CANCEL = {
  user: { cancelType: 'CancelByUser', rejectReason: 'EC_PerCancelRequest' },
  reduceOnly: { cancelType: 'CancelByReduceOnly', rejectReason: 'EC_NoError' },
  postOnly: { cancelType: 'UNKNOWN', rejectReason: 'EC_PostOnlyWillTakeLiquidity' },
  // IOC / Market remainder and FOK: Bybit's exact pair is unconfirmed; status Cancelled is what clients rely on.
  ioc: { cancelType: 'UNKNOWN', rejectReason: 'EC_NoImmediateQtyToFill' },
  fok: { cancelType: 'UNKNOWN', rejectReason: 'EC_CancelForNoFullFill' },
} as const satisfies Record<string, { cancelType: CancelType; rejectReason: RejectReason }>;

const SIDES: ReadonlySet<string> = new Set(['Buy', 'Sell']);
const TIME_IN_FORCE: ReadonlySet<string> = new Set(['GTC', 'IOC', 'FOK', 'PostOnly']);
const ORDER_LINK_ID = /^[A-Za-z0-9_-]{1,36}$/;
/** Money rounding for divisions (partial close of entry value, margins): Bybit prints 8 decimals. */
const MONEY_DECIMALS = 8;

function dir(side: Side): 1 | -1 {
  return side === 'Buy' ? 1 : -1;
}

/** Whether a book level at `levelTicks` is within a `side` order's limit (a Buy takes asks ≤ limit). */
function withinLimit(side: Side, levelTicks: number, limitTicks: number): boolean {
  return side === 'Buy' ? levelTicks <= limitTicks : levelTicks >= limitTicks;
}

function isOpen(order: OrderState): boolean {
  return OPEN_STATUSES.has(order.status);
}

// --------------------------------------------------------------------------------------------- engine

export class MatchingEngine {
  private readonly instruments = new Map<string, Instrument>();
  private readonly takerRate: Dec;
  private readonly makerRate: Dec;
  private readonly slippage: Dec;
  private readonly mmRate: Dec;

  private state: EngineSnapshot;
  /** All retained orders, insertion (creation) order; open ones are also in `open`. */
  private readonly orders = new Map<string, OrderState>();
  private readonly open = new Map<string, OrderState>();
  private readonly byLinkId = new Map<string, string>();
  private readonly positions = new Map<string, PositionState>();
  /** Closed order ids, oldest closure first, for bounded history. */
  private closedQueue: string[] = [];

  private constructor(
    private readonly deps: MatchingEngineDeps,
    snapshot: EngineSnapshot,
  ) {
    const { config } = deps;
    this.takerRate = Dec.parse(config.takerFeeRate);
    this.makerRate = Dec.parse(config.makerFeeRate);
    this.slippage = Dec.parse(config.marketSlippage);
    this.mmRate = Dec.parse(config.maintenanceMarginRate);
    if (this.slippage.sign() < 0 || !this.slippage.lt(Dec.ONE))
      throw new RangeError('marketSlippage must be in [0, 1)');
    for (const instrument of deps.instruments) this.instruments.set(instrument.symbol, instrument);

    const copy = structuredClone(snapshot);
    this.state = copy;
    for (const order of copy.orders) {
      this.orders.set(order.orderId, order);
      if (order.orderLinkId) this.byLinkId.set(order.orderLinkId, order.orderId);
      if (isOpen(order)) this.open.set(order.orderId, order);
      else this.closedQueue.push(order.orderId);
    }
    this.closedQueue.sort((a, b) => this.orders.get(a)!.updatedTime - this.orders.get(b)!.updatedTime);
    for (const position of copy.positions) this.positions.set(position.symbol, position);
    // The maps above own orders and positions from here on; toSnapshot() writes them back.
    copy.orders = [];
    copy.positions = [];
    // Instruments added since the snapshot start flat.
    for (const symbol of this.instruments.keys()) this.ensureSymbol(symbol, 0);
  }

  /**
   * A new account holding `config.initialBalance` USDT, flat in every instrument. `idEpoch` is recorded with it: the
   * salt `deps.newId` was built with (see seededUuidFactory), so a restored account keeps making the same kind of id.
   */
  static create(deps: MatchingEngineDeps, nowMs: number, idEpoch = 0): MatchingEngine {
    const balance = Dec.parse(deps.config.initialBalance);
    const engine = new MatchingEngine(deps, {
      version: 1,
      idCounter: 1,
      idEpoch,
      seq: 1,
      priority: 1,
      wallet: { coin: 'USDT', walletBalance: balance.toString(), cumRealisedPnl: '0' },
      positions: [],
      markets: {},
      orders: [],
      executions: [],
    });
    for (const symbol of engine.instruments.keys()) engine.ensureSymbol(symbol, nowMs);
    return engine;
  }

  /** Restores an account persisted with `toSnapshot()` (possibly after a JSON round trip). */
  static fromSnapshot(deps: MatchingEngineDeps, snapshot: EngineSnapshot): MatchingEngine {
    if (snapshot.version !== 1) throw new Error(`Unsupported simulator snapshot version ${String(snapshot.version)}`);
    return new MatchingEngine(deps, snapshot);
  }

  /** A deep, JSON-safe copy of the whole account state. */
  toSnapshot(): EngineSnapshot {
    return structuredClone({
      ...this.state,
      positions: [...this.positions.values()],
      orders: [...this.orders.values()],
    });
  }

  // ---------------------------------------------------------------------------------------- order entry

  placeOrder(request: PlaceOrderRequest, nowMs: number): EngineResult<OrderAck> {
    const instrument = this.instrument(request.symbol);
    if (!SIDES.has(request.side)) reject(V5_ERRORS.PARAMS, `Side invalid: ${request.side}`);
    if (request.orderType !== 'Market' && request.orderType !== 'Limit') {
      reject(V5_ERRORS.PARAMS, `OrderType invalid: ${request.orderType}`);
    }
    const side = request.side as Side;
    const orderType: OrderType = request.orderType;
    if (request.positionIdx !== undefined && request.positionIdx !== 0) {
      reject(V5_ERRORS.PARAMS, 'position idx not match position mode');
    }
    const tifText = request.timeInForce ?? 'GTC';
    if (!TIME_IN_FORCE.has(tifText)) reject(V5_ERRORS.PARAMS, `TimeInForce invalid: ${tifText}`);
    if (orderType === 'Market' && tifText === 'PostOnly') reject(V5_ERRORS.PARAMS, 'Market order cannot be PostOnly');
    // Bybit turns every Market order into an IOC limit within the slippage band.
    const timeInForce: TimeInForce = orderType === 'Market' ? 'IOC' : (tifText as TimeInForce);
    const orderLinkId = request.orderLinkId ?? '';
    if (orderLinkId !== '' && !ORDER_LINK_ID.test(orderLinkId)) reject(V5_ERRORS.PARAMS, 'orderLinkId invalid');
    if (orderLinkId !== '' && this.byLinkId.has(orderLinkId)) reject(V5_ERRORS.DUPLICATE_ORDER_LINK_ID);

    let lots = instrument.parseQty(request.qty, orderType);
    const priceTicks =
      orderType === 'Limit' ? instrument.parsePrice(request.price) : this.marketProtectionPrice(request.symbol, side);
    if (this.openCount(request.symbol) >= this.deps.config.maxActiveOrdersPerSymbol) {
      reject(V5_ERRORS.TOO_MANY_ACTIVE_ORDERS);
    }

    const position = this.position(request.symbol);
    const reduceOnly = request.reduceOnly === true;
    if (reduceOnly) {
      if (position.sizeLots === 0) reject(V5_ERRORS.REDUCE_ONLY_ZERO_POSITION);
      if (Math.sign(position.sizeLots) === dir(side)) reject(V5_ERRORS.REDUCE_ONLY);
      // Bybit "fixes" a reduce-only qty larger than the position down to the position size.
      lots = Math.min(lots, Math.abs(position.sizeLots));
    } else if (priceTicks > 0) {
      instrument.checkMinNotional(priceTicks, lots);
    }

    const opening = this.openingLots(position, side, lots, reduceOnly);
    if (opening > 0 && priceTicks > 0) {
      const value = instrument.value(priceTicks, opening);
      const required = this.initialMargin(value, position).add(value.mul(this.takerRate));
      if (this.walletFigures().availableBalance.lt(required)) reject(V5_ERRORS.AVAILABLE_INSUFFICIENT);
    }

    const touched = this.begin();
    const market = this.market(request.symbol);
    const order: OrderState = {
      orderId: this.nextId(),
      orderLinkId,
      symbol: request.symbol,
      side,
      orderType,
      timeInForce,
      reduceOnly,
      priceTicks,
      qtyLots: lots,
      cumLots: 0,
      cumValue: '0',
      cumFee: '0',
      status: 'New',
      cancelType: 'UNKNOWN',
      rejectReason: 'EC_NoError',
      lastPriceOnCreatedTicks: market.lastTicks || market.markTicks,
      createdTime: nowMs,
      updatedTime: nowMs,
      priority: this.state.priority++,
    };
    this.orders.set(order.orderId, order);
    this.open.set(order.orderId, order);
    if (orderLinkId) this.byLinkId.set(orderLinkId, order.orderId);
    touched.orders.set(order.orderId, order);
    touched.symbols.add(order.symbol); // position is pushed on every order action (BYBIT.md §11.3)

    this.execute(order, touched, nowMs);
    return { result: { orderId: order.orderId, orderLinkId }, updates: this.finish(touched, nowMs) };
  }

  /** Runs a fresh (or re-priced) order against the book according to its time in force. */
  private execute(order: OrderState, touched: Touched, nowMs: number): void {
    const book = this.deps.liquidity(order.symbol);
    if (order.priceTicks <= 0) {
      this.close(order, 'Cancelled', CANCEL.ioc, touched, nowMs); // a Market order with no price reference
      return;
    }
    switch (order.timeInForce) {
      case 'PostOnly': {
        const best = order.side === 'Buy' ? book.bestAsk() : book.bestBid();
        // Bybit creates the order, then cancels it when it would take liquidity.
        if (best !== undefined && withinLimit(order.side, best, order.priceTicks)) {
          this.close(order, 'Cancelled', CANCEL.postOnly, touched, nowMs);
        }
        return;
      }
      case 'FOK': {
        const want = this.fillableLots(order);
        if (this.availableLots(book, order.side, order.priceTicks, want) < want) {
          this.close(order, 'Cancelled', CANCEL.fok, touched, nowMs);
          return;
        }
        this.take(order, book, touched, nowMs);
        return;
      }
      case 'IOC':
        this.take(order, book, touched, nowMs);
        if (isOpen(order)) this.close(order, 'Cancelled', CANCEL.ioc, touched, nowMs);
        return;
      case 'GTC':
        this.take(order, book, touched, nowMs);
        return;
    }
  }

  amendOrder(request: AmendOrderRequest, nowMs: number): EngineResult<OrderAck> {
    const instrument = this.instrument(request.symbol);
    const order = this.findForAction(request);
    if (request.qty === undefined && request.price === undefined) reject(V5_ERRORS.PARAMS, 'Missing qty or price');
    let lots = request.qty !== undefined ? instrument.parseQty(request.qty, order.orderType) : order.qtyLots;
    const priceTicks = request.price !== undefined ? instrument.parsePrice(request.price) : order.priceTicks;
    if (lots <= order.cumLots) reject(V5_ERRORS.PARAMS, 'Qty must be greater than cumExecQty');
    const position = this.position(order.symbol);
    if (order.reduceOnly) lots = Math.min(lots, order.cumLots + Math.abs(position.sizeLots));
    if (lots === order.qtyLots && priceTicks === order.priceTicks) reject(V5_ERRORS.NOT_MODIFIED);
    if (!order.reduceOnly) instrument.checkMinNotional(priceTicks, lots);

    const currentIM = this.orderIM(order, position);
    const opening = this.openingLots(position, order.side, lots - order.cumLots, order.reduceOnly);
    if (opening > 0) {
      const value = instrument.value(priceTicks, opening);
      const required = this.initialMargin(value, position).add(value.mul(this.takerRate));
      if (this.walletFigures().availableBalance.add(currentIM).lt(required)) reject(V5_ERRORS.AVAILABLE_INSUFFICIENT);
    }

    const touched = this.begin();
    order.qtyLots = lots;
    order.priceTicks = priceTicks;
    order.updatedTime = nowMs;
    order.priority = this.state.priority++; // an amend loses time priority, as on a real book
    touched.orders.set(order.orderId, order);
    touched.symbols.add(order.symbol);
    // A new price may cross the book: the crossing part trades now (PostOnly is cancelled instead).
    this.execute(order, touched, nowMs);
    return { result: { orderId: order.orderId, orderLinkId: order.orderLinkId }, updates: this.finish(touched, nowMs) };
  }

  cancelOrder(request: CancelOrderRequest, nowMs: number): EngineResult<OrderAck> {
    this.instrument(request.symbol);
    const order = this.findForAction(request);
    const touched = this.begin();
    touched.symbols.add(order.symbol);
    this.close(order, 'Cancelled', CANCEL.user, touched, nowMs);
    return { result: { orderId: order.orderId, orderLinkId: order.orderLinkId }, updates: this.finish(touched, nowMs) };
  }

  /** POST /v5/order/cancel-all for one symbol (or every symbol when omitted, like settleCoin=USDT). */
  cancelAll(symbol: string | undefined, nowMs: number): EngineResult<CancelAllAck> {
    if (symbol !== undefined) this.instrument(symbol);
    const touched = this.begin();
    const list: OrderAck[] = [];
    for (const order of [...this.open.values()]) {
      if (symbol !== undefined && order.symbol !== symbol) continue;
      this.close(order, 'Cancelled', CANCEL.user, touched, nowMs);
      touched.symbols.add(order.symbol);
      list.push({ orderId: order.orderId, orderLinkId: order.orderLinkId });
    }
    if (symbol !== undefined) touched.symbols.add(symbol);
    return { result: { list, success: '1' }, updates: this.finish(touched, nowMs) };
  }

  /** POST /v5/position/set-leverage (one-way: buyLeverage = sellLeverage). */
  setLeverage(symbol: string, leverage: string, nowMs: number): EngineResult<Record<string, never>> {
    const instrument = this.instrument(symbol);
    const value = instrument.checkLeverage(leverage);
    const position = this.position(symbol);
    if (Dec.parse(position.leverage).eq(value)) reject(V5_ERRORS.LEVERAGE_NOT_MODIFIED);
    const touched = this.begin();
    const previous = position.leverage;
    position.leverage = value.toString();
    if (this.walletFigures().availableBalance.sign() < 0) {
      position.leverage = previous;
      reject(V5_ERRORS.MARGIN_INSUFFICIENT);
    }
    position.updatedTime = nowMs;
    position.seq = this.state.seq++;
    touched.symbols.add(symbol);
    return { result: {}, updates: this.finish(touched, nowMs) };
  }

  // ------------------------------------------------------------------------------------ market events

  /**
   * The book of `symbol` changed. Resting orders the book's opposite side now reaches fill as maker at their own
   * price, consuming that liquidity. The mark price becomes `markTicks` when given, else the mid of the book.
   */
  onMarketMove(symbol: string, nowMs: number, markTicks?: number): EngineResult<void> {
    this.instrument(symbol);
    const book = this.deps.liquidity(symbol);
    const bid = book.bestBid();
    const ask = book.bestAsk();
    const market = this.market(symbol);
    if (markTicks !== undefined) market.markTicks = markTicks;
    else if (bid !== undefined && ask !== undefined) market.markTicks = Math.round((bid + ask) / 2);
    else market.markTicks = bid ?? ask ?? market.markTicks;

    const crossing = this.restingOrders(symbol).filter((order) => {
      const best = order.side === 'Buy' ? ask : bid;
      return best !== undefined && withinLimit(order.side, best, order.priceTicks);
    });
    if (crossing.length === 0) return { result: undefined, updates: [] };

    const touched = this.begin();
    const used = new Map<string, number>(); // `${side}:${price}` → lots already given to earlier orders
    const consumed: Array<{ side: Side; priceTicks: number; lots: number }> = [];
    for (const order of crossing) {
      if (!isOpen(order)) continue; // a reduce-only order may have been cancelled by an earlier fill
      let want = this.fillableLots(order);
      for (const level of book.levelsFor(order.side)) {
        if (want <= 0 || !withinLimit(order.side, level.priceTicks, order.priceTicks)) break;
        const key = `${order.side}:${level.priceTicks}`;
        const free = level.sizeLots - (used.get(key) ?? 0);
        const lots = Math.min(want, free);
        if (lots <= 0) continue;
        used.set(key, (used.get(key) ?? 0) + lots);
        consumed.push({ side: order.side, priceTicks: level.priceTicks, lots });
        this.fill(order, order.priceTicks, lots, true, touched, nowMs);
        want = isOpen(order) ? this.fillableLots(order) : 0;
      }
      this.reconcileReduceOnly(symbol, touched, nowMs);
    }
    for (const c of consumed) book.consume(c.side, c.priceTicks, c.lots);
    return { result: undefined, updates: this.finish(touched, nowMs) };
  }

  /**
   * A public trade printed: `takerSide` traded `lots` at `priceTicks`. Resting orders on the other side priced
   * through it (better than the trade) would have been hit first, so they fill as maker at their own price, in
   * price-time priority, up to the traded size.
   */
  onPublicTrade(symbol: string, takerSide: Side, priceTicks: number, lots: number, nowMs: number): EngineResult<void> {
    this.instrument(symbol);
    this.market(symbol).lastTicks = priceTicks;
    const makerSide: Side = takerSide === 'Buy' ? 'Sell' : 'Buy';
    const through = (order: OrderState): boolean => {
      const better = makerSide === 'Buy' ? order.priceTicks > priceTicks : order.priceTicks < priceTicks;
      return better || (this.deps.config.fillOnTouch && order.priceTicks === priceTicks);
    };
    const hit = this.restingOrders(symbol).filter((order) => order.side === makerSide && through(order));
    if (hit.length === 0 || lots <= 0) return { result: undefined, updates: [] };

    const touched = this.begin();
    let left = lots;
    for (const order of hit) {
      if (left <= 0) break;
      if (!isOpen(order)) continue;
      const take = Math.min(left, this.fillableLots(order));
      if (take <= 0) continue;
      this.fill(order, order.priceTicks, take, true, touched, nowMs);
      left -= take;
      this.reconcileReduceOnly(symbol, touched, nowMs);
    }
    return { result: undefined, updates: this.finish(touched, nowMs) };
  }

  /**
   * A caller's queue model decided that `lots` traded at a resting order's own price reached it (the backtest's
   * queue-position estimate: the queue ahead of it traded first). Fills up to `lots` as maker at the order's price;
   * nothing when the order is no longer open. `result`: the lots filled.
   */
  fillRestingAtPrice(orderId: string, lots: number, nowMs: number): EngineResult<number> {
    const order = this.open.get(orderId);
    if (!order || order.orderType !== 'Limit' || lots <= 0) return { result: 0, updates: [] };
    const take = Math.min(lots, this.fillableLots(order));
    if (take <= 0) return { result: 0, updates: [] };
    const touched = this.begin();
    this.market(order.symbol).lastTicks = order.priceTicks;
    this.fill(order, order.priceTicks, take, true, touched, nowMs);
    this.reconcileReduceOnly(order.symbol, touched, nowMs);
    return { result: take, updates: this.finish(touched, nowMs) };
  }

  /** Sets the mark price used for unrealised PnL (no push: Bybit does not push the wallet for PnL alone). */
  setMarkPrice(symbol: string, markTicks: number): void {
    this.instrument(symbol);
    this.market(symbol).markTicks = markTicks;
  }

  // ------------------------------------------------------------------------------------------ REST views

  /** Orders newest first (Get Open & Closed Orders / Get Order History list items). */
  listOrders(query: OrderQuery): V5RestOrder[] {
    const out: V5RestOrder[] = [];
    const all = [...this.orders.values()].reverse();
    for (const order of all) {
      if (query.symbol !== undefined && order.symbol !== query.symbol) continue;
      if (query.orderId !== undefined && order.orderId !== query.orderId) continue;
      if (query.orderLinkId !== undefined && order.orderLinkId !== query.orderLinkId) continue;
      if (query.scope === 'open' && !isOpen(order)) continue;
      if (query.scope === 'closed' && isOpen(order)) continue;
      out.push(restOrder(order, this.instrument(order.symbol)));
    }
    return out;
  }

  /** Executions newest first (Get Trade History list items). */
  listExecutions(query: ExecutionQuery = {}): V5RestExecution[] {
    const out: V5RestExecution[] = [];
    for (let i = this.state.executions.length - 1; i >= 0; i--) {
      const e = this.state.executions[i];
      if (query.symbol !== undefined && e.symbol !== query.symbol) continue;
      if (query.orderId !== undefined && e.orderId !== query.orderId) continue;
      if (query.orderLinkId !== undefined && e.orderLinkId !== query.orderLinkId) continue;
      if (query.startTime !== undefined && e.execTime < query.startTime) continue;
      if (query.endTime !== undefined && e.execTime > query.endTime) continue;
      out.push(restExecution(e, this.instrument(e.symbol)));
    }
    return out;
  }

  /** Get Position Info: with a symbol, that position even when flat; without, only open positions (settleCoin). */
  listPositions(query: { symbol?: string } = {}): V5RestPosition[] {
    if (query.symbol !== undefined) {
      const instrument = this.instrument(query.symbol);
      const position = this.position(query.symbol);
      return [restPosition(position, this.positionFigures(position), instrument)];
    }
    return [...this.positions.values()]
      .filter((p) => p.sizeLots !== 0 && this.instruments.has(p.symbol))
      .map((p) => restPosition(p, this.positionFigures(p), this.instrument(p.symbol)));
  }

  /** Get Wallet Balance `result.list[0]` (accountType UNIFIED, coin USDT). */
  walletBalance(): V5WalletAccount {
    return walletAccount(this.walletFigures());
  }

  feeRates(symbol?: string): FeeRateItem[] {
    return [...this.instruments.keys()]
      .filter((s) => symbol === undefined || s === symbol)
      .map((s) => ({
        symbol: s,
        takerFeeRate: this.deps.config.takerFeeRate,
        makerFeeRate: this.deps.config.makerFeeRate,
        baseCoin: '',
      }));
  }

  /**
   * The account's equity alone: what `walletFigures().equity` is (the same sum in the same order), without the
   * margin figures, average prices and order margins a caller sampling the equity often (the backtest, every
   * virtual second) does not read.
   */
  equity(): Dec {
    let unrealisedPnl = Dec.ZERO;
    for (const position of this.positions.values()) {
      if (position.sizeLots === 0 || !this.instruments.has(position.symbol)) continue;
      unrealisedPnl = unrealisedPnl.add(this.unrealisedPnl(position, Dec.parse(position.entryValue)));
    }
    return Dec.parse(this.state.wallet.walletBalance).add(unrealisedPnl);
  }

  /** The account's USDT figures as exact decimals (for invariant checks and the transport). */
  walletFigures(): WalletFigures {
    const wallet = this.state.wallet;
    let unrealisedPnl = Dec.ZERO;
    let positionIM = Dec.ZERO;
    let positionMM = Dec.ZERO;
    for (const position of this.positions.values()) {
      if (position.sizeLots === 0 || !this.instruments.has(position.symbol)) continue;
      const figures = this.positionFigures(position);
      unrealisedPnl = unrealisedPnl.add(figures.unrealisedPnl);
      positionIM = positionIM.add(figures.positionIM);
      positionMM = positionMM.add(figures.positionMM);
    }
    const orderIM = this.totalOrderIM();
    const walletBalance = Dec.parse(wallet.walletBalance);
    const equity = walletBalance.add(unrealisedPnl);
    return {
      walletBalance,
      unrealisedPnl,
      cumRealisedPnl: Dec.parse(wallet.cumRealisedPnl),
      totalPositionIM: positionIM,
      totalPositionMM: positionMM,
      totalOrderIM: orderIM,
      equity,
      availableBalance: equity.sub(positionIM).sub(orderIM),
    };
  }

  // --------------------------------------------------------------------------------------- matching core

  /** Takes liquidity as taker, level by level within the order's limit, one execution per level. */
  private take(order: OrderState, book: LiquiditySource, touched: Touched, nowMs: number): void {
    let want = this.fillableLots(order);
    const fills: Array<{ priceTicks: number; lots: number }> = [];
    for (const level of book.levelsFor(order.side)) {
      if (want <= 0 || !withinLimit(order.side, level.priceTicks, order.priceTicks)) break;
      const lots = Math.min(want, level.sizeLots);
      if (lots <= 0) continue;
      fills.push({ priceTicks: level.priceTicks, lots });
      want -= lots;
    }
    // Consume after iterating: the source need not support mutation during iteration.
    for (const fill of fills) {
      book.consume(order.side, fill.priceTicks, fill.lots);
      this.fill(order, fill.priceTicks, fill.lots, false, touched, nowMs);
    }
  }

  private availableLots(book: LiquiditySource, side: Side, limitTicks: number, enough: number): number {
    let total = 0;
    for (const level of book.levelsFor(side)) {
      if (total >= enough || !withinLimit(side, level.priceTicks, limitTicks)) break;
      total += level.sizeLots;
    }
    return total;
  }

  /** Lots the order may still fill: its leaves, capped to the position for reduce-only orders. */
  private fillableLots(order: OrderState): number {
    const leaves = order.qtyLots - order.cumLots;
    if (!order.reduceOnly) return leaves;
    const size = this.position(order.symbol).sizeLots;
    return Math.sign(size) === -dir(order.side) ? Math.min(leaves, Math.abs(size)) : 0;
  }

  /** Applies one fill to the order, the position and the wallet, and records the execution. */
  private fill(
    order: OrderState,
    priceTicks: number,
    lots: number,
    isMaker: boolean,
    touched: Touched,
    nowMs: number,
  ): void {
    const instrument = this.instrument(order.symbol);
    const value = instrument.value(priceTicks, lots);
    const feeRate = isMaker ? this.makerRate : this.takerRate;
    const fee = value.mul(feeRate);
    const { closedLots, pnl } = this.applyToPosition(order.symbol, order.side, priceTicks, lots, value, fee, nowMs);

    order.cumLots += lots;
    order.cumValue = Dec.parse(order.cumValue).add(value).toString();
    order.cumFee = Dec.parse(order.cumFee).add(fee).toString();
    order.updatedTime = nowMs;
    order.status = order.cumLots === order.qtyLots ? 'Filled' : 'PartiallyFilled';
    if (order.status === 'Filled') this.retire(order);

    const wallet = this.state.wallet;
    const realised = pnl.sub(fee);
    wallet.walletBalance = Dec.parse(wallet.walletBalance).add(realised).toString();
    wallet.cumRealisedPnl = Dec.parse(wallet.cumRealisedPnl).add(realised).toString();
    const market = this.market(order.symbol);
    market.lastTicks = priceTicks;

    const execution: ExecutionState = {
      execId: this.nextId(),
      orderId: order.orderId,
      orderLinkId: order.orderLinkId,
      symbol: order.symbol,
      side: order.side,
      orderType: order.orderType,
      orderPriceTicks: order.priceTicks,
      orderQtyLots: order.qtyLots,
      leavesLots: order.qtyLots - order.cumLots,
      execPriceTicks: priceTicks,
      execLots: lots,
      execValue: value.toString(),
      execFee: fee.toString(),
      feeRate: feeRate.toString(),
      isMaker,
      markPriceTicks: market.markTicks || priceTicks,
      closedLots,
      execPnl: pnl.toString(),
      execTime: nowMs,
      seq: this.state.seq++,
    };
    this.state.executions.push(execution);
    touched.executions.push(execution);
    touched.orders.set(order.orderId, order);
    touched.symbols.add(order.symbol);
  }

  /**
   * One-way position accounting. Opening/increasing adds the fill's value to the entry value; reducing releases a
   * pro-rata share of it (the whole of it on a full close, so a round trip is exact) and realises
   * (exit − entry) × direction; a fill larger than the position closes it and opens the rest on the other side.
   * Fees are realised too (Bybit's cumRealisedPnl includes them, negative).
   */
  private applyToPosition(
    symbol: string,
    side: Side,
    priceTicks: number,
    lots: number,
    value: Dec,
    fee: Dec,
    nowMs: number,
  ): { closedLots: number; pnl: Dec } {
    const instrument = this.instrument(symbol);
    const position = this.position(symbol);
    const d = dir(side);
    const size = position.sizeLots;
    let entry = Dec.parse(position.entryValue);
    let closedLots = 0;
    let pnl = Dec.ZERO;
    let resetCurrent = false;

    if (size === 0 || Math.sign(size) === d) {
      resetCurrent = size === 0; // a new position starts its own curRealisedPnl
      entry = entry.add(value);
    } else {
      const held = Math.abs(size);
      closedLots = Math.min(lots, held);
      const released =
        closedLots === held ? entry : entry.mul(Dec.of(closedLots)).div(Dec.of(held), MONEY_DECIMALS, 'half-up');
      const exitValue = instrument.value(priceTicks, closedLots);
      // Closing a long (a Sell) gains exit − entry; closing a short gains entry − exit.
      pnl = d === -1 ? exitValue.sub(released) : released.sub(exitValue);
      entry = entry.sub(released);
      if (lots > held) {
        entry = instrument.value(priceTicks, lots - held); // flipped: the rest opens at this fill's price
        resetCurrent = true;
      }
    }
    position.sizeLots = size + d * lots;
    if (position.sizeLots === 0) entry = Dec.ZERO;
    position.entryValue = entry.toString();
    const realised = pnl.sub(fee);
    const current = resetCurrent ? Dec.ZERO : Dec.parse(position.curRealisedPnl);
    position.curRealisedPnl = current.add(realised).toString();
    position.cumRealisedPnl = Dec.parse(position.cumRealisedPnl).add(realised).toString();
    position.updatedTime = nowMs;
    position.seq = this.state.seq++;
    return { closedLots, pnl };
  }

  /**
   * After the position changed, open reduce-only orders must still only reduce: those on a flat position or on
   * the position's own side are cancelled (CancelByReduceOnly); those larger than the position shrink to it.
   */
  private reconcileReduceOnly(symbol: string, touched: Touched, nowMs: number): void {
    const size = this.position(symbol).sizeLots;
    for (const order of this.restingOrders(symbol)) {
      if (!order.reduceOnly || !isOpen(order)) continue;
      if (Math.sign(size) !== -dir(order.side)) {
        this.close(order, 'Cancelled', CANCEL.reduceOnly, touched, nowMs);
        continue;
      }
      const maxQty = order.cumLots + Math.abs(size);
      if (order.qtyLots > maxQty) {
        order.qtyLots = maxQty;
        order.updatedTime = nowMs;
        touched.orders.set(order.orderId, order);
      }
    }
  }

  private close(
    order: OrderState,
    status: 'Cancelled' | 'Rejected' | 'Deactivated',
    reason: { cancelType: CancelType; rejectReason: RejectReason },
    touched: Touched,
    nowMs: number,
  ): void {
    order.status = status;
    order.cancelType = reason.cancelType;
    order.rejectReason = reason.rejectReason;
    order.updatedTime = nowMs;
    this.retire(order);
    touched.orders.set(order.orderId, order);
  }

  /** Moves a closed order out of the open set into bounded history. */
  private retire(order: OrderState): void {
    this.open.delete(order.orderId);
    this.closedQueue.push(order.orderId);
  }

  // ------------------------------------------------------------------------------------ operation frame

  private begin(): Touched {
    return new Touched(this.marginFigures());
  }

  /** Reconciles reduce-only orders, trims history and builds the pushes in Bybit's order. */
  private finish(touched: Touched, nowMs: number): PrivateUpdate[] {
    for (const symbol of touched.symbols) this.reconcileReduceOnly(symbol, touched, nowMs);
    const updates: PrivateUpdate[] = [];
    if (touched.orders.size > 0) {
      const data = [...touched.orders.values()].map((o) => wsOrder(o, this.instrument(o.symbol)));
      updates.push({ id: this.nextId(), topic: 'order', creationTime: nowMs, data });
    }
    if (touched.executions.length > 0) {
      const data = touched.executions.map((e) => wsExecution(e, this.instrument(e.symbol)));
      updates.push({ id: this.nextId(), topic: 'execution', creationTime: nowMs, data });
    }
    if (touched.symbols.size > 0) {
      const data = [...touched.symbols].map((symbol) => {
        const position = this.position(symbol);
        return wsPosition(position, this.positionFigures(position), this.instrument(symbol));
      });
      updates.push({ id: this.nextId(), topic: 'position', creationTime: nowMs, data });
    }
    // Bybit pushes the wallet when balances or margins change, not for unrealised PnL alone (BYBIT.md §7).
    if (!sameMargins(this.marginFigures(), touched.walletBefore)) {
      updates.push({ id: this.nextId(), topic: 'wallet', creationTime: nowMs, data: [this.walletBalance()] });
    }
    this.trimHistory();
    return updates;
  }

  /** The initial margin of every open order, summed in the order they were placed. */
  private totalOrderIM(): Dec {
    let total = Dec.ZERO;
    for (const order of this.open.values()) total = total.add(this.orderIM(order, this.position(order.symbol)));
    return total;
  }

  /**
   * The part of walletFigures() that decides the wallet push, as the same sums in the same order: twice per
   * operation, so it skips what the push decision does not read (unrealised PnL, maintenance margin, average price).
   */
  private marginFigures(): MarginFigures {
    let positionIM = Dec.ZERO;
    for (const position of this.positions.values()) {
      if (position.sizeLots === 0 || !this.instruments.has(position.symbol)) continue;
      positionIM = positionIM.add(this.initialMargin(Dec.parse(position.entryValue), position));
    }
    const orderIM = this.totalOrderIM();
    return { walletBalance: Dec.parse(this.state.wallet.walletBalance), orderIM, positionIM };
  }

  private trimHistory(): void {
    const { maxClosedOrders, maxExecutions } = this.deps.config;
    while (this.closedQueue.length > maxClosedOrders) {
      const id = this.closedQueue.shift()!;
      const order = this.orders.get(id);
      if (!order) continue;
      this.orders.delete(id);
      if (order.orderLinkId && this.byLinkId.get(order.orderLinkId) === id) this.byLinkId.delete(order.orderLinkId);
    }
    const excess = this.state.executions.length - maxExecutions;
    if (excess > 0) this.state.executions.splice(0, excess);
  }

  // ---------------------------------------------------------------------------------------------- helpers

  private instrument(symbol: string): Instrument {
    const instrument = this.instruments.get(symbol);
    if (!instrument) reject(V5_ERRORS.PARAMS, `symbol invalid: ${symbol}`);
    return instrument;
  }

  private ensureSymbol(symbol: string, nowMs: number): void {
    if (!this.positions.has(symbol)) {
      this.positions.set(symbol, {
        symbol,
        sizeLots: 0,
        entryValue: '0',
        leverage: Dec.parse(this.deps.config.defaultLeverage).toString(),
        cumRealisedPnl: '0',
        curRealisedPnl: '0',
        createdTime: nowMs,
        updatedTime: nowMs,
        seq: this.state.seq++,
      });
    }
    this.market(symbol);
  }

  private position(symbol: string): PositionState {
    const position = this.positions.get(symbol);
    if (!position) throw new Error(`No position state for ${symbol}`);
    return position;
  }

  private market(symbol: string): MarketState {
    let market = this.state.markets[symbol];
    if (!market) {
      market = { markTicks: 0, lastTicks: 0 };
      this.state.markets[symbol] = market;
    }
    return market;
  }

  private nextId(): string {
    return this.deps.newId(this.state.idCounter++);
  }

  private openCount(symbol: string): number {
    let n = 0;
    for (const order of this.open.values()) if (order.symbol === symbol) n++;
    return n;
  }

  /** Open orders of a symbol in matching priority: best price first, then oldest. */
  private restingOrders(symbol: string): OrderState[] {
    const orders = [...this.open.values()].filter((o) => o.symbol === symbol);
    return orders.sort((a, b) => {
      if (a.side !== b.side) return a.side === 'Buy' ? -1 : 1;
      const byPrice = a.side === 'Buy' ? b.priceTicks - a.priceTicks : a.priceTicks - b.priceTicks;
      return byPrice !== 0 ? byPrice : a.priority - b.priority;
    });
  }

  /** The found open order for amend/cancel: orderId wins; unknown → 110001; closed → 110008. */
  private findForAction(request: { symbol: string; orderId?: string; orderLinkId?: string }): OrderState {
    if (!request.orderId && !request.orderLinkId) reject(V5_ERRORS.PARAMS, 'orderId or orderLinkId is required');
    const id = request.orderId || this.byLinkId.get(request.orderLinkId ?? '');
    const order = id ? this.orders.get(id) : undefined;
    if (!order || order.symbol !== request.symbol) reject(V5_ERRORS.ORDER_NOT_EXISTS);
    if (!isOpen(order)) reject(V5_ERRORS.ORDER_FINISHED);
    return order;
  }

  /** Slippage-protected price of a Market order: best opposite price × (1 ± band), on the tick grid. */
  private marketProtectionPrice(symbol: string, side: Side): number {
    const book = this.deps.liquidity(symbol);
    const market = this.market(symbol);
    const reference = (side === 'Buy' ? book.bestAsk() : book.bestBid()) ?? (market.markTicks || market.lastTicks);
    if (!reference) return 0;
    const factor = side === 'Buy' ? Dec.ONE.add(this.slippage) : Dec.ONE.sub(this.slippage);
    const bound = Dec.of(reference)
      .mul(factor)
      .round(0, side === 'Buy' ? 'down' : 'up');
    return Math.max(1, Number(bound.units));
  }

  /** Lots of an order of `lots` that would open or increase exposure (the rest reduces an opposite position). */
  private openingLots(position: PositionState, side: Side, lots: number, reduceOnly: boolean): number {
    if (reduceOnly) return 0;
    const reducible = Math.sign(position.sizeLots) === -dir(side) ? Math.abs(position.sizeLots) : 0;
    return Math.max(0, lots - reducible);
  }

  private initialMargin(value: Dec, position: PositionState): Dec {
    return value.div(Dec.parse(position.leverage), MONEY_DECIMALS, 'up');
  }

  private orderIM(order: OrderState, position: PositionState): Dec {
    const opening = this.openingLots(position, order.side, order.qtyLots - order.cumLots, order.reduceOnly);
    if (opening === 0 || order.priceTicks <= 0) return Dec.ZERO;
    return this.initialMargin(this.instrument(order.symbol).value(order.priceTicks, opening), position);
  }

  private positionFigures(position: PositionState): PositionFigures {
    const instrument = this.instrument(position.symbol);
    const market = this.market(position.symbol);
    const size = Math.abs(position.sizeLots);
    const entry = Dec.parse(position.entryValue);
    if (size === 0) {
      return {
        positionValue: Dec.ZERO,
        avgPrice: null,
        unrealisedPnl: Dec.ZERO,
        positionIM: Dec.ZERO,
        positionMM: Dec.ZERO,
        markTicks: market.markTicks,
      };
    }
    return {
      positionValue: entry,
      avgPrice: entry.div(instrument.qtyDec(size), 12, 'half-up'),
      unrealisedPnl: this.unrealisedPnl(position, entry),
      positionIM: this.initialMargin(entry, position),
      positionMM: entry.mul(this.mmRate),
      markTicks: market.markTicks,
    };
  }

  /** Unrealised PnL of an open position at its mark price (at its entry value, so zero, before any mark). */
  private unrealisedPnl(position: PositionState, entry: Dec): Dec {
    const market = this.market(position.symbol);
    const size = Math.abs(position.sizeLots);
    const markValue = market.markTicks > 0 ? this.instrument(position.symbol).value(market.markTicks, size) : entry;
    return position.sizeLots > 0 ? markValue.sub(entry) : entry.sub(markValue);
  }
}

function sameMargins(a: MarginFigures, b: MarginFigures): boolean {
  return a.walletBalance.eq(b.walletBalance) && a.orderIM.eq(b.orderIM) && a.positionIM.eq(b.positionIM);
}
