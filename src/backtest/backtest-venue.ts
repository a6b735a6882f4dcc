import { ExchangeError, RateLimitWaitExceeded, CircuitOpenError } from '../exchange/exchange.errors';
import { ExchangeRest, PrivateStream } from '../exchange/exchange.port';
import type {
  AmendOrderRequest,
  CancelOrderRequest,
  ConnectionState,
  ExchangeExecution,
  ExchangeOrder,
  ExchangePosition,
  ExecutionQuery,
  OrderAck,
  OrderHistoryQuery,
  OrderQuery,
  Page,
  PlaceOrderRequest,
  PrivateStreamEvents,
  Unsubscribe,
  WalletBalance,
} from '../exchange/exchange.types';
import { errorFromRetCode } from '../exchange/bybit/bybit.errors';
import { parseExecution, parseOrder, parsePosition, parseWallet, type Raw } from '../exchange/bybit/bybit.parse';
import { BYBIT_ENDPOINT_GROUPS, BYBIT_IP_LIMIT, ENDPOINT_GROUPS } from '../exchange/bybit/bybit.constants';
import { RateLimiterRegistry } from '../exchange/rate-limit/rate-limiter.registry';
import { CircuitBreakerRegistry } from '../exchange/resilience/circuit-breaker.registry';
import type { OrderBook } from '../order-book/domain/order-book';
import type { BookDelta } from '../order-book/domain/order-book.parse';
import { Instrument } from '../simulator/domain/instrument';
import {
  DEFAULT_ENGINE_CONFIG,
  MatchingEngine,
  type EngineResult,
  type MatchingEngineConfig,
  type MatchingEngineDeps,
  type PrivateUpdate,
} from '../simulator/domain/matching-engine';
import { Prng } from '../simulator/domain/prng';
import { SeededUuids } from '../simulator/domain/sim-ids';
import { instrumentInfoFor } from '../simulator/sim-venue';
import { SimulatorRejection } from '../simulator/domain/v5-errors';
import type { TradeBatch } from './domain/recording';
import { QueuePosition } from './domain/queue-position';
import { ReplayLiquidity } from './domain/replay-liquidity';
import type { VirtualClock } from './domain/virtual-clock';

/**
 * The backtest's exchange: the kernel's ExchangeRest and PrivateStream ports, in process, on the virtual clock. Orders
 * are matched by the simulator's MatchingEngine (one Bybit V5 account: wallet, one-way positions, fees, reduce-only
 * and margin rules, V5 records) against the replayed book; its records reach the kernel through the live Bybit
 * parsers, as a live push or REST answer would. What the issue calls realism, each switchable (VenueRealism):
 *
 * - Latency: a request reaches the venue `toVenueMs` after the kernel sent it and is matched against the book as
 *   replayed at that moment; its answer and the pushes it causes arrive `fromVenueMs` later. Fills of resting
 *   orders caused by the market reach the kernel `fromVenueMs` after the market event.
 * - Book walk: a market order (an IOC limit within Bybit's 5 % protection band, as Bybit runs it) walks the visible
 *   levels and never beyond them; what it takes stays taken until the recording updates that level
 *   (ReplayLiquidity). Off (`impact` false): levels are never depleted by our fills.
 * - Queue: a resting limit order fills at its price only after the estimated queue ahead of it traded
 *   (QueuePosition); trades through its price and a book crossing it fill it as the engine rules. Off: a trade
 *   touching its price fills it (the engine's fillOnTouch).
 * - Fees: the engine's maker/taker rates (SIM_MAKER_FEE_RATE / SIM_TAKER_FEE_RATE, or zero when off).
 * - Rate limit: the live RateLimiterRegistry with Bybit's published limits and the configured safety factor, its
 *   windows following the virtual clock; a request with no token waits for the next window, or fails with
 *   RateLimitWaitExceeded past RATE_LIMIT_MAX_WAIT_MS, as live.
 * - Faults (off by default): a seeded share of order creates rejected by the exchange (a business error) or timing
 *   out (transient; half of the timeouts reached the matching engine anyway, as a real timeout may). They go through
 *   the live CircuitBreakerRegistry, which opens after CIRCUIT_BREAKER_FAILURE_THRESHOLD consecutive transient
 *   failures and is closed again after the cooldown on the virtual clock (opossum's own half-open timer runs on
 *   the wall clock, so the backtest closes it by a reset instead of a half-open probe).
 */

export interface VenueRealism {
  readonly toVenueMs: number;
  readonly fromVenueMs: number;
  readonly impact: boolean;
  readonly queue: boolean;
  readonly fees: boolean;
  readonly rateLimit: boolean;
  readonly rejectRate: number;
  readonly timeoutRate: number;
}

export interface BacktestVenueOptions {
  readonly realism: VenueRealism;
  readonly makerFeeRate: string;
  readonly takerFeeRate: string;
  readonly initialBalance: string;
  readonly leverage: number;
  readonly seed: number;
  /** The live limiter's settings (RATE_LIMIT_SAFETY_FACTOR, RATE_LIMIT_MAX_WAIT_MS). */
  readonly rateLimitSafetyFactor: number;
  readonly rateLimitMaxWaitMs: number;
  /** BYBIT_HTTP_TIMEOUT_MS: how long a timed-out request keeps the caller waiting. */
  readonly httpTimeoutMs: number;
  readonly breakerFailureThreshold: number;
  readonly breakerCooldownMs: number;
}

export interface VenueMarket {
  readonly symbol: string;
  readonly book: OrderBook;
}

/** What the venue counted (report diagnostics). */
export interface VenueCounters {
  creates: number;
  rejected: number;
  timeouts: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  rateLimitExceeded: number;
  breakerOpenRejects: number;
  queueFills: number;
}

interface Resting {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: 'Buy' | 'Sell';
  readonly priceTicks: number;
  readonly queue: QueuePosition;
}

const TRADE_GROUP = 'trade';
const QUERY_GROUP = 'orderQuery';
const NEVER = 2 ** 30;

export class BacktestVenue extends ExchangeRest {
  readonly stream = new BacktestPrivateStream();
  readonly counters: VenueCounters = {
    creates: 0,
    rejected: 0,
    timeouts: 0,
    rateLimitWaits: 0,
    rateLimitWaitMs: 0,
    rateLimitExceeded: 0,
    breakerOpenRejects: 0,
    queueFills: 0,
  };
  readonly engine: MatchingEngine;
  private readonly liquidity = new Map<string, ReplayLiquidity>();
  private readonly instruments = new Map<string, Instrument>();
  private readonly resting = new Map<string, Resting>();
  private readonly restingPerSymbol = new Map<string, number>();
  private readonly limits: RateLimiterRegistry | null;
  private readonly breakers: CircuitBreakerRegistry | null;
  private readonly faults: Prng;
  private breakerCooldownArmed = false;

  constructor(
    private readonly clock: VirtualClock,
    markets: readonly VenueMarket[],
    private readonly options: BacktestVenueOptions,
  ) {
    super();
    const realism = options.realism;
    for (const market of markets) {
      const grid = market.book.grid;
      this.instruments.set(
        market.symbol,
        new Instrument(instrumentInfoFor({ symbol: market.symbol, tickSize: grid.tickSize, qtyStep: grid.qtyStep })),
      );
      this.liquidity.set(market.symbol, new ReplayLiquidity(market.book, realism.impact));
    }
    this.engine = MatchingEngine.create(
      new ReplayEngineDeps(
        {
          ...DEFAULT_ENGINE_CONFIG,
          takerFeeRate: realism.fees ? options.takerFeeRate : '0',
          makerFeeRate: realism.fees ? options.makerFeeRate : '0',
          initialBalance: options.initialBalance,
          defaultLeverage: String(options.leverage),
          fillOnTouch: !realism.queue,
          maxClosedOrders: 1_000_000,
          maxExecutions: 1_000_000,
        },
        [...this.instruments.values()],
        this.liquidity,
        new SeededUuids(options.seed),
      ),
      clock.nowMs(),
    );
    this.limits = realism.rateLimit
      ? new RateLimiterRegistry(
          Object.fromEntries(ENDPOINT_GROUPS.map((g) => [g, BYBIT_ENDPOINT_GROUPS[g]])),
          BYBIT_IP_LIMIT,
          {
            safetyFactor: options.rateLimitSafetyFactor,
            maxWaitMs: options.rateLimitMaxWaitMs,
            heartbeatMs: NEVER, // windows follow the virtual clock (refillElapsed), never the wall clock
            now: () => clock.nowMs(),
          },
        )
      : null;
    this.breakers =
      realism.rejectRate > 0 || realism.timeoutRate > 0
        ? new CircuitBreakerRegistry(ENDPOINT_GROUPS, {
            failureThreshold: options.breakerFailureThreshold,
            cooldownMs: NEVER, // closed by the virtual clock (armCooldown), see the class comment
            now: () => clock.nowMs(),
            onTransition: (t) => {
              if (t.state === 'OPEN') this.armCooldown();
            },
          })
        : null;
    this.faults = Prng.from(options.seed, 'backtest-faults');
  }

  /** The order-entry breaker's state ('CLOSED' when no fault profile runs): the risk gate and the permit read it. */
  tradeBreakerState(): 'CLOSED' | 'OPEN' | 'HALF_OPEN' {
    return this.breakers ? this.breakers.state(TRADE_GROUP) : 'CLOSED';
  }

  /** Stops the live limiter's and breaker's own timers (end of the run). */
  async close(): Promise<void> {
    this.breakers?.shutdown();
    await this.limits?.stop();
  }

  // ---- the replayed market ---------------------------------------------------------------------------------------

  /** The recording updated `symbol`'s book (already applied to it): liquidity, queues, resting orders it reaches. */
  onBook(symbol: string, delta: BookDelta): void {
    this.liquidity.get(symbol)?.onDelta(delta);
    if ((this.restingPerSymbol.get(symbol) ?? 0) === 0) return;
    if (this.options.realism.queue) {
      const snapshot = delta.type === 'snapshot' || delta.u === 1;
      for (const order of this.resting.values()) {
        if (order.symbol !== symbol) continue;
        const size = levelIn(delta, order.side === 'Buy' ? 'bid' : 'ask', order.priceTicks);
        if (size !== undefined) order.queue.onLevel(size);
        else if (snapshot) order.queue.onLevel(0);
      }
    }
    this.deliverLater(this.engine.onMarketMove(symbol, this.clock.nowMs()));
  }

  /** Public trades of `symbol`: the queue ahead of our resting orders, and fills of orders they trade through. */
  onTrades(batch: TradeBatch): void {
    const symbol = batch.symbol;
    if ((this.restingPerSymbol.get(symbol) ?? 0) === 0) return;
    const now = this.clock.nowMs();
    for (let i = 0; i < batch.count; i++) {
      const takerSide = batch.sides[i] > 0 ? 'Buy' : 'Sell';
      const price = batch.prices[i];
      const lots = batch.sizes[i];
      if (this.options.realism.queue) {
        const makerSide = takerSide === 'Buy' ? 'Sell' : 'Buy';
        for (const order of [...this.resting.values()]) {
          if (order.symbol !== symbol || order.side !== makerSide || order.priceTicks !== price) continue;
          const reach = order.queue.onTrade(lots);
          if (reach <= 0) continue;
          const filled = this.engine.fillRestingAtPrice(order.orderId, reach, now);
          if (filled.result > 0) this.counters.queueFills += 1;
          this.deliverLater(filled);
        }
      }
      this.deliverLater(this.engine.onPublicTrade(symbol, takerSide, price, lots, now));
    }
  }

  // ---- ExchangeRest: orders ----------------------------------------------------------------------------------------

  placeOrder(request: PlaceOrderRequest): Promise<OrderAck> {
    this.counters.creates += 1;
    return this.request(TRADE_GROUP, true, (now) => this.engine.placeOrder(request, now));
  }

  amendOrder(request: AmendOrderRequest): Promise<OrderAck> {
    return this.request(TRADE_GROUP, false, (now) => this.engine.amendOrder(request, now));
  }

  cancelOrder(request: CancelOrderRequest): Promise<OrderAck> {
    return this.request(TRADE_GROUP, false, (now) => this.engine.cancelOrder(request, now));
  }

  async cancelAll(symbol: string): Promise<OrderAck[]> {
    const ack = await this.request(TRADE_GROUP, false, (now) => this.engine.cancelAll(symbol, now));
    return ack.list;
  }

  // ---- ExchangeRest: look-ups (a round trip on the virtual clock, no matching) --------------------------------------

  async getOpenOrders(query: OrderQuery = {}): Promise<Page<ExchangeOrder>> {
    const rows = await this.read(() => this.engine.listOrders({ ...query, scope: 'open' }));
    return { items: rows.map((r) => parseOrder(r as unknown as Raw)), nextCursor: null };
  }

  async getOrderHistory(query: OrderHistoryQuery = {}): Promise<Page<ExchangeOrder>> {
    const rows = await this.read(() =>
      this.engine.listOrders({
        symbol: query.symbol,
        orderId: query.orderId,
        orderLinkId: query.orderLinkId,
        scope: 'closed',
      }),
    );
    return { items: rows.map((r) => parseOrder(r as unknown as Raw)), nextCursor: null };
  }

  async getExecutions(query: ExecutionQuery = {}): Promise<Page<ExchangeExecution>> {
    const rows = await this.read(() =>
      this.engine.listExecutions({ symbol: query.symbol, orderId: query.orderId, orderLinkId: query.orderLinkId }),
    );
    return { items: rows.map((r) => parseExecution(r as unknown as Raw)), nextCursor: null };
  }

  async getPositions(symbol?: string): Promise<ExchangePosition[]> {
    const rows = await this.read(() => this.engine.listPositions({ symbol }));
    return rows.map((r) => parsePosition(r as unknown as Raw));
  }

  async getWalletBalance(): Promise<WalletBalance> {
    const account = await this.read(() => this.engine.walletBalance());
    return parseWallet(account as unknown as Raw);
  }

  getServerTime(): never {
    return notInBacktest('getServerTime');
  }
  getInstruments(): never {
    return notInBacktest('getInstruments');
  }
  getOrderbook(): never {
    return notInBacktest('getOrderbook');
  }
  getKlines(): never {
    return notInBacktest('getKlines');
  }

  // ---- internals -------------------------------------------------------------------------------------------------

  /**
   * One order request: breaker fail-fast, a rate-limit token (waiting on the virtual clock), then the round trip:
   * to the venue, matched there, answer and pushes back. `faulty`: the fault profile applies (order creates).
   */
  private async request<T>(group: string, faulty: boolean, act: (nowMs: number) => EngineResult<T>): Promise<T> {
    if (this.breakers && this.breakers.state(group) === 'OPEN') {
      this.counters.breakerOpenRejects += 1;
      throw new CircuitOpenError(group);
    }
    await this.token(group);
    const trip = () => this.roundTrip(faulty ? this.drawFault() : 'ok', act);
    return this.breakers ? this.breakers.execute(group, trip) : trip();
  }

  private roundTrip<T>(fault: Fault, act: (nowMs: number) => EngineResult<T>): Promise<T> {
    const { toVenueMs, fromVenueMs } = this.options.realism;
    const sentAt = this.clock.time;
    return new Promise<T>((resolve, reject) => {
      this.clock.at(
        sentAt + toVenueMs,
        () => {
          if (fault === 'reject') {
            this.counters.rejected += 1;
            const error = errorFromRetCode(10001, 'params error (backtest fault profile)', TRADE_GROUP);
            this.clock.at(this.clock.time + fromVenueMs, () => reject(error));
            return;
          }
          if (fault === 'timeout-lost') {
            this.counters.timeouts += 1;
            this.clock.at(sentAt + this.options.httpTimeoutMs, () => reject(timeoutError()));
            return;
          }
          let outcome: EngineResult<T>;
          try {
            outcome = act(this.clock.nowMs());
          } catch (error) {
            if (!(error instanceof SimulatorRejection)) throw error;
            const typed = errorFromRetCode(error.retCode, error.retMsg, TRADE_GROUP);
            this.clock.at(this.clock.time + fromVenueMs, () => reject(typed));
            return;
          }
          this.track(outcome.updates);
          const answerAt = this.clock.time + fromVenueMs;
          if (fault === 'timeout-accepted') {
            this.counters.timeouts += 1;
            this.clock.at(answerAt, () => this.deliver(outcome.updates));
            this.clock.at(Math.max(answerAt, sentAt + this.options.httpTimeoutMs), () => reject(timeoutError()));
            return;
          }
          this.clock.at(answerAt, () => {
            resolve(outcome.result);
            this.deliver(outcome.updates);
          });
          // The arrival only matches and schedules: nothing settles until the answer arrives.
        },
        true,
      );
    });
  }

  /** A look-up: a round trip with no matching (and an orderQuery token). */
  private async read<T>(look: () => T): Promise<T> {
    await this.token(QUERY_GROUP);
    await this.clock.wait(this.options.realism.toVenueMs);
    const result = look();
    await this.clock.wait(this.options.realism.fromVenueMs);
    return result;
  }

  /** A token of `group` now, or after waiting for the next window on the virtual clock; past max wait, the live error. */
  private async token(group: string): Promise<void> {
    const limits = this.limits;
    if (!limits) return;
    const started = this.clock.nowMs();
    for (;;) {
      limits.refillElapsed(this.clock.nowMs());
      if (limits.tryTake(group)) {
        const waited = this.clock.nowMs() - started;
        if (waited > 0) {
          this.counters.rateLimitWaits += 1;
          this.counters.rateLimitWaitMs += waited;
        }
        return;
      }
      const next = limits.nextRefillMs(group);
      if (!Number.isFinite(next) || next - started > this.options.rateLimitMaxWaitMs) {
        this.counters.rateLimitExceeded += 1;
        throw new RateLimitWaitExceeded(group, this.options.rateLimitMaxWaitMs);
      }
      await this.clock.wait(next - this.clock.time);
    }
  }

  private drawFault(): Fault {
    const { rejectRate, timeoutRate } = this.options.realism;
    if (rejectRate <= 0 && timeoutRate <= 0) return 'ok';
    const x = this.faults.next();
    if (x < rejectRate) return 'reject';
    if (x < rejectRate + timeoutRate) return this.faults.next() < 0.5 ? 'timeout-lost' : 'timeout-accepted';
    return 'ok';
  }

  private armCooldown(): void {
    if (this.breakerCooldownArmed || !this.breakers) return;
    this.breakerCooldownArmed = true;
    this.clock.at(this.clock.time + this.options.breakerCooldownMs, () => {
      this.breakerCooldownArmed = false;
      this.breakers?.reset(TRADE_GROUP, 'backtest cooldown');
    });
  }

  /** Keeps the queue estimate of every resting limit order the updates show, and forgets closed ones. */
  private track(updates: readonly PrivateUpdate[]): void {
    for (const update of updates) {
      if (update.topic !== 'order') continue;
      for (const order of update.data) {
        const open = order.orderStatus === 'New' || order.orderStatus === 'PartiallyFilled';
        const known = this.resting.get(order.orderId);
        if (!open) {
          if (known) this.forget(known);
          continue;
        }
        if (known || order.orderType !== 'Limit') continue;
        const instrument = this.instruments.get(order.symbol);
        const source = this.liquidity.get(order.symbol);
        if (!instrument || !source) continue;
        const priceTicks = instrument.parsePrice(order.price);
        const side = order.side === 'Buy' ? 'Buy' : 'Sell';
        const resting: Resting = {
          orderId: order.orderId,
          symbol: order.symbol,
          side,
          priceTicks,
          queue: new QueuePosition(source.sizeAt(side === 'Buy' ? 'bid' : 'ask', priceTicks)),
        };
        this.resting.set(order.orderId, resting);
        this.restingPerSymbol.set(order.symbol, (this.restingPerSymbol.get(order.symbol) ?? 0) + 1);
      }
    }
  }

  private forget(order: Resting): void {
    this.resting.delete(order.orderId);
    this.restingPerSymbol.set(order.symbol, (this.restingPerSymbol.get(order.symbol) ?? 1) - 1);
  }

  /** Market-caused updates reach the kernel after the venue → client latency. */
  private deliverLater(outcome: EngineResult<unknown>): void {
    if (outcome.updates.length === 0) return;
    this.track(outcome.updates);
    const updates = outcome.updates;
    this.clock.at(this.clock.time + this.options.realism.fromVenueMs, () => this.deliver(updates));
  }

  /** The engine's V5 pushes through the live parsers, as the private stream would hand them to the kernel. */
  private deliver(updates: readonly PrivateUpdate[]): void {
    for (const update of updates) {
      if (update.topic === 'order') {
        for (const raw of update.data) this.stream.emit('order', parseOrder(raw as unknown as Raw));
      } else if (update.topic === 'execution') {
        for (const raw of update.data) this.stream.emit('execution', parseExecution(raw as unknown as Raw));
      }
    }
  }
}

type Fault = 'ok' | 'reject' | 'timeout-lost' | 'timeout-accepted';

/**
 * The matching engine's lookups in a backtest: the replayed books and seeded ids. Methods of one class, not closures
 * made per run, so a sweep worker's successive backtests call the same targets (a new closure per run makes the
 * engine's optimized code deoptimize at the second run and compile again).
 */
class ReplayEngineDeps implements MatchingEngineDeps {
  constructor(
    readonly config: MatchingEngineConfig,
    readonly instruments: readonly Instrument[],
    private readonly books: ReadonlyMap<string, ReplayLiquidity>,
    private readonly ids: SeededUuids,
  ) {}

  liquidity(symbol: string): ReplayLiquidity {
    const source = this.books.get(symbol);
    if (!source) throw new SimulatorRejection({ retCode: 10001, retMsg: `symbol ${symbol} is not replayed` });
    return source;
  }

  newId(counter: number): string {
    return this.ids.idFor(counter);
  }
}

function timeoutError(): ExchangeError {
  return new ExchangeError('TIMEOUT', 'backtest fault profile: the request timed out', {
    fault: 'transient',
    group: TRADE_GROUP,
  });
}

function notInBacktest(call: string): never {
  throw new ExchangeError('INVALID_REQUEST', `${call} is not available in a backtest`, { fault: 'local' });
}

/** The new size of `priceTicks` on `side` in a book message, or undefined when the message does not touch it. */
function levelIn(delta: BookDelta, side: 'bid' | 'ask', priceTicks: number): number | undefined {
  const prices = side === 'bid' ? delta.bidPrices : delta.askPrices;
  const sizes = side === 'bid' ? delta.bidSizes : delta.askSizes;
  const count = side === 'bid' ? delta.bidCount : delta.askCount;
  for (let i = 0; i < count; i++) if (prices[i] === priceTicks) return sizes[i];
  return undefined;
}

/** The private stream of the backtest: the venue emits, the kernel (connect) listens. Always connected. */
export class BacktestPrivateStream extends PrivateStream {
  private readonly listeners = new Map<string, Array<(payload: never) => void>>();

  on<K extends keyof PrivateStreamEvents>(event: K, listener: (payload: PrivateStreamEvents[K]) => void): Unsubscribe {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as (payload: never) => void);
    this.listeners.set(event, list);
    return () => {
      const i = list.indexOf(listener as (payload: never) => void);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit<K extends keyof PrivateStreamEvents>(event: K, payload: PrivateStreamEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (p: PrivateStreamEvents[K]) => void)(payload);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  state(): ConnectionState {
    return 'connected';
  }
}
