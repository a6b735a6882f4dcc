import { toUnits } from '../../common/ticks';
import type { Side } from './liquidity';
import type { InstrumentSpec } from './instrument-universe';
import {
  generateWarmUpCandles,
  KLINE_INTERVAL_MS,
  KlineSeries,
  klineRecord,
  minuteStart,
  type Candle,
  type KlineFormatters,
} from './kline';
import { Prng, hashString32, type SimSeed } from './prng';
import { SimBook, type BookSide } from './sim-book';
import { multiplySteps, StepFormatter, trimDecimal } from './sim-book-format';
import { OrderbookPublisher } from './sim-book-publisher';
import {
  ORDERBOOK_DEPTHS,
  ORDERBOOK_PUSH_MS,
  parsePublicTopic,
  type KlineMessage,
  type KlineRow,
  type OrderbookDepth,
  type OrderbookMessage,
  type OrderbookView,
  type PublicMessage,
  type PublicTradeMessage,
  type PublicTradeRecord,
  type RecentTradeView,
  type TickDirection,
  type TickerMessage,
  type TickerRecord,
} from './market-model.messages';

/**
 * A synthetic market for one symbol, driven only by explicit time (`advance(toMs, sink)`), reproducible from
 * (SIM_SEED, symbol):
 * - a fair price follows a random walk whose volatility switches between regimes;
 * - liquidity events (arrivals, partial and full cancels) pull each level towards a size profile, mostly near the
 *   touch; during imbalance episodes one side's profile near the touch is several times the other's, so the top-5
 *   volume share swings beyond 0.75 / 0.25;
 * - market trades consume liquidity: when the fair price moves through the touch the crossed levels are swept,
 *   and independent taker orders take from the best levels (biased towards the heavy side in an episode);
 * - it publishes orderbook.{1,50,200,500,1000}, publicTrade, kline.1 and tickers messages shaped exactly like
 *   Bybit's, at Bybit's push cadence, for the topics opened by the transport; and REST views of the same state.
 *
 * Opening or closing topics never consumes random numbers, so what subscribers exist does not change the market.
 */

export interface VolatilityRegime {
  readonly name: string;
  /** Standard deviation of the fair price, basis points per √second. */
  readonly volBpsPerSqrtSec: number;
  /** Multiplier of the independent taker-trade rate. */
  readonly tradeRateMultiplier: number;
  readonly meanDurationMs: number;
}

export interface MarketModelParams {
  /** Simulation step; the finest push cadence is 10 ms (orderbook.1). */
  readonly stepMs: number;
  readonly maxLevelsPerSide: number;
  readonly initialLevelsPerSide: number;
  /** Mean notional (quote currency) of a level near the touch. */
  readonly levelNotional: number;
  readonly regimes: readonly VolatilityRegime[];
  /** Liquidity events (arrival / cancel / resize) per side per second. */
  readonly liquidityEventsPerSec: number;
  /** Share of liquidity events near the touch (exponential offset with this mean); the rest hit the deep book. */
  readonly nearTouchShare: number;
  readonly nearTouchMeanOffsetTicks: number;
  /** Chance an event on an empty price creates a level; chance an event on a level cancels all of it. */
  readonly fillProbability: number;
  readonly cancelAllProbability: number;
  /**
   * Makers chase the price: each step, every empty price among the first `refillLevels` behind the fair price, and
   * any gap between the fair price and the best level (up to `maxChaseLevels`), is quoted with this chance.
   */
  readonly refillLevels: number;
  readonly refillProbabilityPerStep: number;
  readonly maxChaseLevels: number;
  /** Chance that a level the fair price moves through is traded (a sweep) rather than cancelled by its makers. */
  readonly sweepTradeProbability: number;
  /** Independent taker orders per second in a regime with multiplier 1. */
  readonly tradesPerSec: number;
  /** Mean taker order size as a share of a mean level. */
  readonly tradeSizeShare: number;
  readonly maxWalkLevels: number;
  readonly episodeMeanGapMs: number;
  readonly episodeMeanDurationMs: number;
  readonly episodeMinDurationMs: number;
  /** The heavy side's profile is `strength` times normal, the light side's 1/√strength, over `episodeLevels` ticks. */
  readonly episodeStrengthMin: number;
  readonly episodeStrengthMax: number;
  readonly episodeLevels: number;
  /** Drift of the fair price towards the heavy side during an episode (imbalance has some predictive power). */
  readonly episodeDriftBpsPerSec: number;
  /** Extra probability that a taker is on the heavy side's direction during an episode. */
  readonly episodeTakerBias: number;
  readonly klinePushMs: number;
  readonly tickerPushMs: number;
  readonly recentTradesCapacity: number;
  readonly klineCapacity: number;
  readonly fundingRate: string;
}

export const DEFAULT_MARKET_MODEL_PARAMS: MarketModelParams = Object.freeze({
  stepMs: 10,
  maxLevelsPerSide: 500,
  initialLevelsPerSide: 300,
  levelNotional: 8000,
  regimes: Object.freeze([
    Object.freeze({ name: 'calm', volBpsPerSqrtSec: 0.3, tradeRateMultiplier: 0.6, meanDurationMs: 300_000 }),
    Object.freeze({ name: 'normal', volBpsPerSqrtSec: 0.7, tradeRateMultiplier: 1, meanDurationMs: 600_000 }),
    Object.freeze({ name: 'volatile', volBpsPerSqrtSec: 1.8, tradeRateMultiplier: 2.5, meanDurationMs: 120_000 }),
  ]),
  liquidityEventsPerSec: 300,
  nearTouchShare: 0.8,
  nearTouchMeanOffsetTicks: 5,
  fillProbability: 0.85,
  cancelAllProbability: 0.08,
  refillLevels: 3,
  refillProbabilityPerStep: 0.4,
  maxChaseLevels: 64,
  sweepTradeProbability: 0.15,
  tradesPerSec: 6,
  tradeSizeShare: 0.35,
  maxWalkLevels: 3,
  episodeMeanGapMs: 60_000,
  episodeMeanDurationMs: 25_000,
  episodeMinDurationMs: 8_000,
  episodeStrengthMin: 2.5,
  episodeStrengthMax: 5,
  episodeLevels: 20,
  episodeDriftBpsPerSec: 0.3,
  episodeTakerBias: 0.15,
  klinePushMs: 1000,
  tickerPushMs: 100,
  recentTradesCapacity: 1000,
  klineCapacity: 2000,
  fundingRate: '0.0001',
});

export interface MarketModelOptions {
  readonly seed: SimSeed;
  readonly instrument: InstrumentSpec;
  /** Simulated time of the initial state; the first step is at startMs + stepMs. */
  readonly startMs: number;
  readonly params?: Partial<MarketModelParams>;
}

export type MessageSink = (message: PublicMessage) => void;

/** Where the model's state stands; for tests, metrics and the admin surface. */
export interface MarketModelState {
  readonly nowMs: number;
  readonly fairPriceTicks: number;
  readonly regime: string;
  /** +1 bid-heavy episode, -1 ask-heavy, 0 none. */
  readonly episode: -1 | 0 | 1;
  readonly paused: boolean;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const FUNDING_INTERVAL_MS = 8 * HOUR_MS;

export class MarketModel {
  readonly symbol: string;
  readonly instrument: InstrumentSpec;
  readonly params: MarketModelParams;
  /** The live book; the matching engine trades against it (LiquiditySource). */
  readonly book = new SimBook();
  readonly priceFormat: StepFormatter;
  readonly sizeFormat: StepFormatter;
  private readonly klineFormat: KlineFormatters;
  private readonly prng: Prng;
  private readonly seed: SimSeed;
  private readonly startMs: number;
  private readonly meanLevelLots: number;
  private readonly meanTradeLots: number;
  private readonly seqBase: number;
  private readonly openInterestLots: number;
  private fair: number;
  private regimeIndex = 1;
  private episodeSide: -1 | 0 | 1 = 0;
  private episodeUntilMs = 0;
  private episodeStrength = 1;
  private now: number;
  private nextStepMs: number;
  private seqBumps = 0;
  private lastChangeMs: number;
  private lastSeenVersion: number;
  private paused = false;

  private readonly publishers = new Map<OrderbookDepth, OrderbookPublisher>();
  private readonly publisherDue = new Map<OrderbookDepth, number>();
  private readonly closedU = new Map<OrderbookDepth, number>();
  private restU: number;
  private restUVersion: number;
  private restUDueMs: number;
  private tradesOpen = false;
  private klineOpen = false;
  private tickerOpen = false;
  private klineDueMs: number;
  private tickerDueMs: number;
  private lastTicker: TickerRecord | undefined;

  private readonly klines: KlineSeries;
  private readonly recent: PublicTradeRecord[] = [];
  private recentHead = 0;
  private stepTrades: PublicTradeRecord[] = [];
  private lastTradePrice: number | undefined;
  private tickDirection: TickDirection = 'ZeroPlusTick';

  constructor(options: MarketModelOptions) {
    this.params = Object.freeze({ ...DEFAULT_MARKET_MODEL_PARAMS, ...options.params });
    validateParams(this.params);
    this.instrument = options.instrument;
    this.symbol = options.instrument.symbol;
    this.seed = options.seed;
    this.startMs = options.startMs;
    this.now = options.startMs;
    this.nextStepMs = options.startMs + this.params.stepMs;
    this.lastChangeMs = options.startMs;
    this.priceFormat = new StepFormatter(options.instrument.tickSize);
    this.sizeFormat = new StepFormatter(options.instrument.qtyStep);
    this.klineFormat = {
      price: this.priceFormat,
      size: this.sizeFormat,
      turnover: new StepFormatter(multiplySteps(options.instrument.tickSize, options.instrument.qtyStep)),
    };
    this.prng = Prng.from(options.seed, this.symbol);
    const startTicks = toUnits(options.instrument.startPrice, options.instrument.tickSize, 'nearest');
    if (startTicks < 10) throw new RangeError(`${this.symbol}: start price must be at least 10 ticks`);
    const lotNotional = Number(options.instrument.startPrice) * Number(options.instrument.qtyStep);
    this.meanLevelLots = Math.max(3, Math.round(this.params.levelNotional / lotNotional));
    this.meanTradeLots = Math.max(1, this.meanLevelLots * this.params.tradeSizeShare);
    this.openInterestLots = Math.round(this.meanLevelLots * 20_000 * this.prng.uniform(0.5, 1.5));
    this.seqBase = 10_000_000_000 + this.prng.int(0, 1_000_000_000);
    this.restU = 10_000_000 + this.prng.int(0, 10_000_000);
    // Half a tick above the start price: the start price is the best bid and the spread one tick.
    this.fair = startTicks + 0.5;
    this.seedBook();
    this.lastSeenVersion = this.book.version;
    this.restUVersion = this.book.version;
    this.restUDueMs = options.startMs + ORDERBOOK_PUSH_MS[1000];
    this.klineDueMs = options.startMs + this.params.klinePushMs;
    this.tickerDueMs = options.startMs + this.params.tickerPushMs;
    this.klines = new KlineSeries(this.params.klineCapacity);
    this.klines.startAt(options.startMs, startTicks);
  }

  get nowMs(): number {
    return this.now;
  }

  /** Bybit cross sequence: grows with every book change (and every forced message), never repeats. */
  get seq(): number {
    return this.seqBase + this.book.version + this.seqBumps;
  }

  state(): MarketModelState {
    return {
      nowMs: this.now,
      fairPriceTicks: this.fair,
      regime: this.params.regimes[this.regimeIndex].name,
      episode: this.episodeSide,
      paused: this.paused,
    };
  }

  // ---------------------------------------------------------------- time

  /** Runs every step up to and including `toMs`, sending due messages of open topics to `sink`. */
  advance(toMs: number, sink: MessageSink): void {
    const stepMs = this.params.stepMs;
    while (this.nextStepMs <= toMs) {
      this.step(this.nextStepMs, sink);
      this.nextStepMs += stepMs;
    }
  }

  /**
   * Pre-generates confirmed 1-minute candles for [fromMs, toMs) ending at the start price, so Get Kline has history
   * at start. Deterministic from (seed, symbol); uses its own random stream, so it does not change the live market.
   */
  warmUp(fromMs: number, toMs: number): void {
    const to = Math.min(toMs, minuteStart(this.startMs));
    const regimes = this.params.regimes;
    const candles = generateWarmUpCandles(
      Prng.from(this.seed, this.symbol, 'warm-up'),
      fromMs,
      to,
      this.klines.current?.open ?? Math.round(this.fair),
      {
        regimeVolBpsPerSqrtSec: regimes.map((r) => r.volBpsPerSqrtSec),
        meanRegimeMinutes: regimes.reduce((sum, r) => sum + r.meanDurationMs, 0) / regimes.length / 60_000,
        meanVolumeLotsPerMinute: this.params.tradesPerSec * 60 * this.meanTradeLots * 3,
      },
    );
    this.klines.loadHistory(candles);
  }

  // ---------------------------------------------------------------- topics

  /** Starts publishing a topic (idempotent); false when the model does not serve it. */
  open(topic: string): boolean {
    const parsed = parsePublicTopic(topic);
    if (!parsed || parsed.symbol !== this.symbol) return false;
    switch (parsed.kind) {
      case 'orderbook':
        this.openOrderbook(parsed.depth);
        return true;
      case 'publicTrade':
        this.tradesOpen = true;
        return true;
      case 'kline':
        this.klineOpen = true;
        return true;
      case 'tickers':
        this.tickerOpen = true;
        return true;
    }
  }

  /** Stops publishing a topic (the transport calls it when the last subscriber leaves). */
  close(topic: string): void {
    const parsed = parsePublicTopic(topic);
    if (!parsed || parsed.symbol !== this.symbol) return;
    if (parsed.kind === 'orderbook') this.closeOrderbook(parsed.depth);
    else if (parsed.kind === 'publicTrade') this.tradesOpen = false;
    else if (parsed.kind === 'kline') this.klineOpen = false;
    else {
      this.tickerOpen = false;
      this.lastTicker = undefined;
    }
  }

  /**
   * The first message a new subscriber of `topic` gets: orderbook → snapshot consistent with the topic's `u`;
   * tickers → a full snapshot; kline → the current candle; publicTrade → none. Opens the topic if needed.
   */
  snapshotFor(topic: string): PublicMessage | undefined {
    if (!this.open(topic)) return undefined;
    const parsed = parsePublicTopic(topic);
    if (parsed?.kind === 'orderbook') return this.orderbookSnapshot(parsed.depth);
    if (parsed?.kind === 'tickers') {
      // The state as of the last push, so the deltas that follow merge onto it (as for the order book).
      this.lastTicker ??= this.tickerRecord(this.now);
      return {
        topic: `tickers.${this.symbol}`,
        type: 'snapshot',
        data: { ...this.lastTicker },
        cs: this.seq,
        ts: this.now,
      } satisfies TickerMessage;
    }
    if (parsed?.kind === 'kline') {
      const current = this.klines.current as Candle;
      return {
        topic: `kline.1.${this.symbol}`,
        data: [klineRecord(current, this.klineFormat, false, this.now)],
        ts: this.now,
        type: 'snapshot',
      } satisfies KlineMessage;
    }
    return undefined;
  }

  openOrderbook(depth: OrderbookDepth): OrderbookPublisher {
    let publisher = this.publishers.get(depth);
    if (!publisher) {
      const previousU =
        depth === 1000
          ? this.restU
          : (this.closedU.get(depth) ?? 1_000_000 + (hashString32(`${this.symbol}.${depth}`) % 9_000_000));
      publisher = new OrderbookPublisher(
        depth,
        this.symbol,
        this.book,
        this.priceFormat,
        this.sizeFormat,
        previousU + 1,
      );
      this.publishers.set(depth, publisher);
      this.publisherDue.set(depth, this.nextBoundary(this.now, ORDERBOOK_PUSH_MS[depth]));
    }
    return publisher;
  }

  closeOrderbook(depth: OrderbookDepth): void {
    const publisher = this.publishers.get(depth);
    if (!publisher) return;
    this.closedU.set(depth, publisher.lastU);
    if (depth === 1000) this.restU = publisher.lastU;
    this.publishers.delete(depth);
    this.publisherDue.delete(depth);
  }

  /** Snapshot for a new subscriber of orderbook.{depth} (starts the stream if it was not running). */
  orderbookSnapshot(depth: OrderbookDepth): OrderbookMessage {
    return this.openOrderbook(depth).snapshot(this.now, this.lastChangeMs, this.seq);
  }

  // ---------------------------------------------------------------- faults

  /** The next message on `topic` skips one `u`; false when that orderbook topic is not open. */
  forceGap(topic: string): boolean {
    const parsed = parsePublicTopic(topic);
    const publisher =
      parsed?.kind === 'orderbook' && parsed.symbol === this.symbol ? this.publishers.get(parsed.depth) : undefined;
    publisher?.forceGap();
    return publisher !== undefined;
  }

  /** Every open orderbook topic next publishes a snapshot with `u` = 1 (a simulated Bybit service restart). */
  forceResetSnapshot(): void {
    for (const publisher of this.publishers.values()) publisher.forceReset();
    this.seqBumps++;
  }

  /** Stops sending messages (the market keeps moving and can be traded); on resume deltas carry all changes. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  // ---------------------------------------------------------------- REST views

  /** Get Orderbook `result` from the live book; `u` follows the 1000-level stream as Bybit documents. */
  orderbookView(limit = 25): OrderbookView {
    const n = Math.max(1, Math.min(1000, Math.floor(limit)));
    return {
      s: this.symbol,
      b: this.formatLevels('bid', n),
      a: this.formatLevels('ask', n),
      ts: this.now,
      u: this.publishers.get(1000)?.lastU ?? this.restU,
      seq: this.seq,
      cts: this.lastChangeMs,
    };
  }

  /** Get Recent Public Trades list, newest first. */
  recentTrades(limit = 500): RecentTradeView[] {
    const n = Math.min(limit, this.recent.length);
    const out: RecentTradeView[] = [];
    const cap = this.params.recentTradesCapacity;
    for (let k = 0; k < n; k++) {
      const index = (this.recentHead - 1 - k + cap * 2) % cap;
      const t = this.recent[index];
      out.push({
        execId: t.i,
        symbol: t.s,
        price: t.p,
        size: t.v,
        side: t.S,
        time: String(t.T),
        isBlockTrade: false,
        isRPITrade: false,
        seq: String(t.seq),
      });
    }
    return out;
  }

  /** Get Kline rows (interval 1), newest first, the running candle included. */
  klineRows(limit = 200, startMs?: number, endMs?: number): KlineRow[] {
    return this.klines.rows(this.klineFormat, Math.max(1, Math.min(1000, limit)), startMs, endMs);
  }

  /** Get Tickers list item (WS tickers fields). */
  tickerView(): TickerRecord {
    return this.tickerRecord(this.now);
  }

  // ---------------------------------------------------------------- matching-engine seam

  /**
   * A simulated fill the matching engine already took from `book` (via consume): it becomes a public trade (sent
   * with the next step), moves the last price and counts in the running candle.
   */
  recordExternalTrade(takerSide: Side, priceTicks: number, lots: number, tsMs: number): void {
    this.recordTrade(takerSide, priceTicks, lots, tsMs);
  }

  // ---------------------------------------------------------------- the step

  private step(t: number, sink: MessageSink): void {
    this.now = t;
    const candle = this.klines.current;
    if (candle && t >= candle.start + KLINE_INTERVAL_MS) {
      this.klines.roll(t, (closed) => {
        if (this.klineOpen && !this.paused) sink(this.klineMessage(closed, true, t));
      });
    }
    this.evolveRegimeAndEpisode(t);
    this.moveFairPrice();
    this.sweepCrossedLevels(t);
    this.takerTrades(t);
    this.liquidityEvents('bid');
    this.liquidityEvents('ask');
    this.refillTouch('bid');
    this.refillTouch('ask');
    this.book.trim('bid', this.params.maxLevelsPerSide);
    this.book.trim('ask', this.params.maxLevelsPerSide);
    if (this.book.version !== this.lastSeenVersion) {
      this.lastSeenVersion = this.book.version;
      this.lastChangeMs = t;
    }
    this.publish(t, sink);
  }

  private evolveRegimeAndEpisode(t: number): void {
    const p = this.params;
    const dt = p.stepMs;
    const regimes = p.regimes;
    if (regimes.length > 1 && this.prng.chance(dt / regimes[this.regimeIndex].meanDurationMs)) {
      const other = this.prng.int(0, regimes.length - 1);
      this.regimeIndex = other >= this.regimeIndex ? other + 1 : other;
    }
    if (this.episodeSide !== 0) {
      if (t >= this.episodeUntilMs) this.episodeSide = 0;
    } else if (this.prng.chance(dt / p.episodeMeanGapMs)) {
      this.episodeSide = this.prng.chance(0.5) ? 1 : -1;
      this.episodeStrength = this.prng.uniform(p.episodeStrengthMin, p.episodeStrengthMax);
      this.episodeUntilMs = t + Math.max(p.episodeMinDurationMs, this.prng.exponential(p.episodeMeanDurationMs));
    }
  }

  private moveFairPrice(): void {
    const p = this.params;
    const seconds = p.stepMs / 1000;
    const sigma = (p.regimes[this.regimeIndex].volBpsPerSqrtSec / 10_000) * Math.sqrt(seconds);
    const drift = (this.episodeSide * p.episodeDriftBpsPerSec * seconds) / 10_000;
    this.fair *= Math.exp(sigma * this.prng.normal() + drift);
    if (this.fair < 2) this.fair = 2; // keep prices positive whatever the walk does
  }

  /**
   * Levels the fair price moved through disappear: most are pulled by their makers, some are taken by an
   * aggressive order (one trade at that level, the rest of the level cancelled).
   */
  private sweepCrossedLevels(t: number): void {
    const book = this.book;
    const p = this.params.sweepTradeProbability;
    let ask = book.bestAsk();
    while (ask !== undefined && ask < this.fair) {
      if (this.prng.chance(p))
        this.takeLevel('Buy', ask, Math.max(1, Math.round(book.sizeAt('ask', 0) * this.prng.uniform(0.3, 1))), t);
      book.setLevel('ask', ask, 0);
      ask = book.bestAsk();
    }
    let bid = book.bestBid();
    while (bid !== undefined && bid > this.fair) {
      if (this.prng.chance(p))
        this.takeLevel('Sell', bid, Math.max(1, Math.round(book.sizeAt('bid', 0) * this.prng.uniform(0.3, 1))), t);
      book.setLevel('bid', bid, 0);
      bid = book.bestBid();
    }
  }

  private takerTrades(t: number): void {
    const p = this.params;
    const count = this.prng.poisson(
      (p.tradesPerSec * p.regimes[this.regimeIndex].tradeRateMultiplier * p.stepMs) / 1000,
    );
    for (let n = 0; n < count; n++) {
      const buy = this.prng.chance(0.5 + this.episodeSide * p.episodeTakerBias);
      let remaining = Math.max(1, Math.round(this.prng.exponential(this.meanTradeLots)));
      const side: BookSide = buy ? 'ask' : 'bid';
      for (let level = 0; level < p.maxWalkLevels && remaining > 0; level++) {
        const price = this.book.priceAt(side, 0);
        if (price === undefined) break;
        const take = Math.min(remaining, this.book.sizeAt(side, 0));
        this.takeLevel(buy ? 'Buy' : 'Sell', price, take, t);
        remaining -= take;
      }
    }
  }

  private takeLevel(takerSide: Side, priceTicks: number, lots: number, t: number): void {
    const taken = this.book.consume(takerSide, priceTicks, lots);
    if (taken > 0) this.recordTrade(takerSide, priceTicks, taken, t);
  }

  /** Arrivals, partial cancels and full cancels, each pulling a level towards the (episode-weighted) profile. */
  private liquidityEvents(side: BookSide): void {
    const p = this.params;
    const prng = this.prng;
    const count = prng.poisson((p.liquidityEventsPerSec * p.stepMs) / 1000);
    const deepRange = Math.ceil(p.maxLevelsPerSide / p.fillProbability);
    for (let n = 0; n < count; n++) {
      const offset = prng.chance(p.nearTouchShare)
        ? Math.floor(prng.exponential(p.nearTouchMeanOffsetTicks))
        : prng.int(0, deepRange);
      const price = this.touchPrice(side) + (side === 'bid' ? -offset : offset);
      if (!this.quotable(side, price)) continue;
      const current = this.book.sizeAtPrice(side, price);
      const target = this.targetLots(side, offset);
      if (current === 0) {
        if (prng.chance(p.fillProbability))
          this.book.setLevel(side, price, Math.max(1, Math.round(target * prng.logNormal(-0.1, 0.6))));
      } else if (prng.chance(p.cancelAllProbability)) {
        this.book.setLevel(side, price, 0);
      } else {
        const next = Math.round(current + (target * prng.logNormal(-0.05, 0.45) - current) * 0.5);
        this.book.setLevel(side, price, Math.max(0, next));
      }
    }
  }

  /** Market makers re-quote the first prices behind the fair price, and close any gap to it, soon after they empty. */
  private refillTouch(side: BookSide): void {
    const p = this.params;
    const top = this.touchPrice(side);
    const best = side === 'bid' ? this.book.bestBid() : this.book.bestAsk();
    const gap = best === undefined ? p.maxChaseLevels : Math.abs(top - best);
    const span = Math.min(p.maxChaseLevels, Math.max(p.refillLevels, gap));
    for (let k = 0; k < span; k++) {
      const price = side === 'bid' ? top - k : top + k;
      if (!this.quotable(side, price) || this.book.sizeAtPrice(side, price) !== 0) continue;
      if (this.prng.chance(p.refillProbabilityPerStep)) {
        this.book.setLevel(
          side,
          price,
          Math.max(1, Math.round(this.targetLots(side, k) * this.prng.logNormal(-0.1, 0.5))),
        );
      }
    }
  }

  /** The best price a maker would quote now: the tick just below (bid) or above (ask) the fair price. */
  private touchPrice(side: BookSide): number {
    return side === 'bid' ? Math.ceil(this.fair) - 1 : Math.floor(this.fair) + 1;
  }

  /** A maker never crosses: a bid stays below the best ask, an ask above the best bid, both on positive prices. */
  private quotable(side: BookSide, price: number): boolean {
    if (price < 1) return false;
    if (side === 'bid') {
      const ask = this.book.bestAsk();
      return ask === undefined || price < ask;
    }
    const bid = this.book.bestBid();
    return bid === undefined || price > bid;
  }

  private targetLots(side: BookSide, offset: number): number {
    const shape = 0.7 + 0.6 * (1 - Math.exp(-offset / 12));
    let factor = 1;
    if (this.episodeSide !== 0 && offset < this.params.episodeLevels) {
      const heavy = (this.episodeSide === 1) === (side === 'bid');
      factor = heavy ? this.episodeStrength : 1 / Math.sqrt(this.episodeStrength);
    }
    return this.meanLevelLots * shape * factor;
  }

  private seedBook(): void {
    const p = this.params;
    for (const side of ['bid', 'ask'] as const) {
      const top = this.touchPrice(side);
      for (
        let offset = 0;
        this.book.levelCount(side) < p.initialLevelsPerSide && offset < p.initialLevelsPerSide * 3;
        offset++
      ) {
        const price = side === 'bid' ? top - offset : top + offset;
        if (price < 1) break;
        if (offset < p.refillLevels || this.prng.chance(p.fillProbability)) {
          this.book.setLevel(
            side,
            price,
            Math.max(1, Math.round(this.targetLots(side, offset) * this.prng.logNormal(-0.1, 0.6))),
          );
        }
      }
    }
  }

  private recordTrade(takerSide: Side, priceTicks: number, lots: number, t: number): void {
    const last = this.lastTradePrice;
    if (last !== undefined) {
      if (priceTicks > last) this.tickDirection = 'PlusTick';
      else if (priceTicks < last) this.tickDirection = 'MinusTick';
      else
        this.tickDirection =
          this.tickDirection === 'PlusTick' || this.tickDirection === 'ZeroPlusTick' ? 'ZeroPlusTick' : 'ZeroMinusTick';
    }
    this.lastTradePrice = priceTicks;
    const record: PublicTradeRecord = {
      T: t,
      s: this.symbol,
      S: takerSide,
      v: this.sizeFormat.format(lots),
      p: this.priceFormat.format(priceTicks),
      L: this.tickDirection,
      i: this.prng.uuid(),
      BT: false,
      RPI: false,
      seq: this.seq,
    };
    this.stepTrades.push(record);
    const cap = this.params.recentTradesCapacity;
    if (this.recent.length < cap) this.recent.push(record);
    else this.recent[this.recentHead] = record;
    this.recentHead = (this.recentHead + 1) % cap;
    this.klines.onTrade(priceTicks, lots);
  }

  // ---------------------------------------------------------------- publishing

  private publish(t: number, sink: MessageSink): void {
    const live = !this.paused;
    if (this.stepTrades.length > 0) {
      if (this.tradesOpen && live) {
        sink({
          topic: `publicTrade.${this.symbol}`,
          type: 'snapshot',
          ts: t,
          data: this.stepTrades,
        } satisfies PublicTradeMessage);
        this.stepTrades = [];
      } else {
        this.stepTrades.length = 0;
      }
    }
    if (live) {
      for (const depth of ORDERBOOK_DEPTHS) {
        const publisher = this.publishers.get(depth);
        if (!publisher) continue;
        const due = this.publisherDue.get(depth) as number;
        if (t < due) continue;
        this.publisherDue.set(depth, this.nextBoundary(t, publisher.intervalMs));
        const message = publisher.publish(t, this.lastChangeMs, this.seq);
        if (message) sink(message);
      }
    }
    if (t >= this.restUDueMs) {
      // Without an orderbook.1000 stream, REST `u` still moves as that stream's would.
      this.restUDueMs = this.nextBoundary(t, ORDERBOOK_PUSH_MS[1000]);
      if (this.book.version !== this.restUVersion) {
        this.restUVersion = this.book.version;
        if (!this.publishers.has(1000)) this.restU++;
      }
    }
    if (t >= this.klineDueMs) {
      this.klineDueMs = this.nextBoundary(t, this.params.klinePushMs);
      if (this.klineOpen && live) sink(this.klineMessage(this.klines.current as Candle, false, t));
    }
    if (t >= this.tickerDueMs) {
      this.tickerDueMs = this.nextBoundary(t, this.params.tickerPushMs);
      if (this.tickerOpen && live) {
        const message = this.tickerMessage(t, this.lastTicker === undefined);
        if (message) sink(message);
      }
    }
  }

  /** First boundary of a `interval` grid anchored at startMs strictly after `t`. */
  private nextBoundary(t: number, interval: number): number {
    return this.startMs + (Math.floor((t - this.startMs) / interval) + 1) * interval;
  }

  private klineMessage(candle: Candle, confirm: boolean, t: number): KlineMessage {
    return {
      topic: `kline.1.${this.symbol}`,
      data: [klineRecord(candle, this.klineFormat, confirm, t)],
      ts: t,
      type: 'snapshot',
    };
  }

  private tickerMessage(t: number, full: boolean): TickerMessage | undefined {
    const record = this.tickerRecord(t);
    const previous = this.lastTicker;
    this.lastTicker = record;
    const topic = `tickers.${this.symbol}`;
    if (full || !previous) return { topic, type: 'snapshot', data: record, cs: this.seq, ts: t };
    const delta: Partial<TickerRecord> & { symbol: string } = { symbol: this.symbol };
    let changed = false;
    for (const key of Object.keys(record) as (keyof TickerRecord)[]) {
      if (key !== 'symbol' && record[key] !== previous[key]) {
        (delta as Record<string, string>)[key] = record[key];
        changed = true;
      }
    }
    return changed ? { topic, type: 'delta', data: delta, cs: this.seq, ts: t } : undefined;
  }

  private tickerRecord(t: number): TickerRecord {
    const price = this.priceFormat;
    const bid = this.book.bestBid();
    const ask = this.book.bestAsk();
    const mid =
      bid !== undefined && ask !== undefined ? Math.round((bid + ask) / 2) : (bid ?? ask ?? Math.round(this.fair));
    const last = this.lastTradePrice ?? mid;
    const stats = this.klines.windowStats(t - DAY_MS);
    const prev24h = this.klines.priceAt(t - DAY_MS) ?? last;
    const prev1h = this.klines.priceAt(t - HOUR_MS) ?? last;
    const high = stats && stats.high !== -Infinity ? Math.max(stats.high, last) : last;
    const low = stats && stats.low !== Infinity ? Math.min(stats.low, last) : last;
    const pct = prev24h > 0 ? (last - prev24h) / prev24h : 0;
    return {
      symbol: this.symbol,
      tickDirection: this.tickDirection,
      price24hPcnt: pct.toFixed(6).replace(/^-(0\.0+)$/, '$1'),
      lastPrice: price.format(last),
      prevPrice24h: price.format(prev24h),
      highPrice24h: price.format(high),
      lowPrice24h: price.format(low),
      prevPrice1h: price.format(prev1h),
      markPrice: price.format(mid),
      indexPrice: price.format(mid),
      openInterest: trimDecimal(this.sizeFormat.format(this.openInterestLots)),
      openInterestValue: trimDecimal(this.klineFormat.turnover.format(this.openInterestLots * mid)),
      turnover24h: trimDecimal(this.klineFormat.turnover.format(stats?.turnover ?? 0)),
      volume24h: trimDecimal(this.sizeFormat.format(stats?.volume ?? 0)),
      nextFundingTime: String((Math.floor(t / FUNDING_INTERVAL_MS) + 1) * FUNDING_INTERVAL_MS),
      fundingRate: this.params.fundingRate,
      bid1Price: bid !== undefined ? price.format(bid) : '',
      bid1Size: bid !== undefined ? this.sizeFormat.format(this.book.sizeAt('bid', 0)) : '',
      ask1Price: ask !== undefined ? price.format(ask) : '',
      ask1Size: ask !== undefined ? this.sizeFormat.format(this.book.sizeAt('ask', 0)) : '',
      fundingIntervalHour: '8',
    };
  }

  private formatLevels(side: BookSide, n: number): [string, string][] {
    const count = Math.min(n, this.book.levelCount(side));
    const out: [string, string][] = new Array<[string, string]>(count);
    for (let i = 0; i < count; i++)
      out[i] = [
        this.priceFormat.format(this.book.priceAt(side, i) as number),
        this.sizeFormat.format(this.book.sizeAt(side, i)),
      ];
    return out;
  }
}

function validateParams(p: MarketModelParams): void {
  const problems: string[] = [];
  if (!(p.stepMs > 0) || !Number.isInteger(p.stepMs)) problems.push('stepMs must be a positive integer');
  if (p.regimes.length === 0) problems.push('at least one volatility regime is required');
  if (!(p.maxLevelsPerSide >= 1)) problems.push('maxLevelsPerSide must be ≥ 1');
  if (!(p.episodeStrengthMin >= 1 && p.episodeStrengthMax >= p.episodeStrengthMin))
    problems.push('episode strengths must satisfy 1 ≤ min ≤ max');
  if (problems.length > 0) throw new RangeError(`invalid market model params: ${problems.join('; ')}`);
}
