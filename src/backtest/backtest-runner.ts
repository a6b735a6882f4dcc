import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AppConfig } from '../infra/config/app-config';
import { clientOrderIdFor } from '../idempotency/domain/client-order-id';
import type { ExecutionEventName, ExecutionEvents, ExecutionEventSink } from '../execution/domain/execution-events';
import { createExecutionKernel, type ExecutionKernel } from '../execution/domain/execution-kernel';
import type { PositionRecord } from '../execution/domain/execution-store';
import type { BookLookup, InstrumentLookup } from '../execution/domain/kernel-ports';
import { TradingPermit, type PermitSources } from '../execution/domain/trading-permit';
import { InMemoryExecutionStore } from '../execution/in-memory-execution.store';
import { MultiSymbolFeaturePipeline } from '../features/domain/multi-symbol-feature-pipeline';
import { BookMetricsCache } from '../order-book/domain/book-metrics';
import type { BookGridSpec } from '../order-book/domain/book-grid';
import { BookLevels, OrderBook } from '../order-book/domain/order-book';
import { BookDelta } from '../order-book/domain/order-book.parse';
import { RESYNC_WATCHDOG_MS, ResyncPolicy } from '../order-book/domain/resync-policy';
import { EntryRiskGate } from '../risk/domain/entry-risk-gate';
import { InMemoryKillSwitch } from '../risk/domain/in-memory-kill-switch';
import type { InstrumentFilters } from '../risk/domain/risk.types';
import { Prng } from '../simulator/domain/prng';
import { instrumentInfoFor } from '../simulator/sim-venue';
import { FrameInput } from '../strategy/domain/strategy';
import { imbalanceStrategyFor, type ImbalanceStrategy } from '../strategy/domain/imbalance.strategy';
import {
  cacheSymbols,
  contentHash,
  jsonSymbols,
  replayCachePaced,
  replayJsonPaced,
  type MessagePacer,
  type ReadProgress,
} from './backtest-input';
import { BacktestSettingsError, feedFaultsOf, realismOf, resolveSettings } from './backtest-settings';
import { BacktestVenue } from './backtest-venue';
import { buildReport, type BacktestReport, type EntryTrace } from './backtest-report';
import { CandleBuilder } from './domain/candle-builder';
import { FeedFaults, type FeedFaultOptions } from './domain/feed-faults';
import { MARKOUT_HORIZONS_MS } from './domain/report-metrics';
import type { RecordingFilter, TradeBatch } from './domain/recording';
import { VirtualClock } from './domain/virtual-clock';
import { ensureCache, listRecordingFiles } from './recording-reader';
import { writeBacktestReport } from './report-writer';

export type { BacktestReport } from './backtest-report';
export { BacktestSettingsError } from './backtest-settings';

/**
 * The backtest: a recording replayed through the live order book, features, strategy, entry risk gate and execution
 * kernel, against an in-process venue (the simulator's matching engine on the replayed book), on a virtual clock.
 * No network, no database, no wall-clock sleep; the same data, settings and seed give a byte-identical report.json.
 *
 * The loop, per recorded message (exchange `ts` order):
 * 1. Timers due by `ts` run first (venue answers and fills after their latency, the kernel's back-offs, the exit
 *    sweep every 250 ms and the quiet-order poll every 5 s as live), each followed by letting the kernel's
 *    asynchronous work settle.
 * 2. The clock moves to `ts`; a book message is applied to the symbol's OrderBook (a gap leaves it waiting for the
 *    next snapshot, as live until a resubscribe); the venue sees the new book (fills of resting orders).
 * 3. The strategy's compute time is charged (BACKTEST_COMPUTE_US per book message; a burst queues behind it), then
 *    what TradingPipeline does live: exits on the book, touch metrics, the 110 features, the strategy, and a signal
 *    into kernel.onSignal with the book.
 * 4. Trades feed the features (and 1-minute candles built from them) and the venue's queue estimate.
 * Messages before `fromMs` warm the books and features up without trading; at the end, positions still open are
 * closed at market (exit reason END_OF_DATA) and every timer runs out.
 */

export interface BacktestProgress {
  messagesDone: number;
  bytesDone: number;
  bytesTotal: number;
  messagesPerSecond: number;
  etaSeconds: number | null;
}

export interface BacktestRunOptions {
  /** A recording file or a directory of them. */
  dataPath: string;
  symbols?: readonly string[];
  /** Exchange-time window: messages from `toMs` on are skipped; those before `fromMs` only warm up books and features. */
  fromMs?: number;
  toMs?: number;
  /** --set KEY=VALUE: validated by the live config schema or the BACKTEST_* schema; an unknown key is an error naming it. */
  overrides?: Readonly<Record<string, string>>;
  seed?: number;
  onProgress?: (p: BacktestProgress) => void;
}

export interface BacktestRunResult {
  /** JSON-serialisable; what report.json holds. */
  report: BacktestReport;
  /** SHA-256 of the recording's bytes. */
  fingerprint: string;
  settings: Record<string, string>;
  messages: number;
  wallMs: number;
}

/** Settings about where and how the data is read, not what the run does: left out of the report. */
const WHERE_NOT_WHAT = ['DATA_DIR', 'BACKTEST_CACHE'];
const SWEEP_MS = 250;
const POLL_MS = 5000;
const PROGRESS_EVERY_MS = 250;

export async function runBacktest(options: BacktestRunOptions): Promise<BacktestRunResult> {
  const wallStart = performance.now();
  if (!existsSync(options.dataPath)) {
    throw new BacktestSettingsError('NO_DATA', `no recording at ${options.dataPath}`, { dataPath: options.dataPath });
  }
  listRecordingFiles(options.dataPath); // a directory without recordings fails here, naming it
  const wanted = options.symbols?.map((s) => s.trim().toUpperCase()).filter((s) => s.length > 0);
  const overrides = options.overrides ?? {};
  // Validate the overrides before touching the data (a bad key fails fast, naming it).
  const first = resolveSettings(overrides, wanted);
  const cacheDir = join(first.config.app.dataDir, 'backtests', 'cache');
  const useCache = first.backtest.BACKTEST_CACHE;
  const cachePath = useCache ? await ensureCache(options.dataPath, cacheDir) : null;
  const grids = cachePath ? cacheSymbols(cachePath) : await jsonSymbols(options.dataPath);
  const symbols = [...grids.keys()].filter((s) => !wanted || wanted.includes(s)).sort();
  if (symbols.length === 0) {
    throw new BacktestSettingsError(
      'NO_DATA',
      wanted
        ? `the recording holds no order book of ${wanted.join(', ')} (it has ${[...grids.keys()].join(', ') || 'none'})`
        : 'the recording holds no order-book messages',
      { dataPath: options.dataPath },
    );
  }
  const { config, backtest, effective: all } = resolveSettings(overrides, symbols);
  const effective = Object.fromEntries(Object.entries(all).filter(([k]) => !WHERE_NOT_WHAT.includes(k)));
  const pairs = config.trading.pairs.filter((p) => symbols.includes(p));
  if (pairs.length === 0) {
    throw new BacktestSettingsError(
      'NO_DATA',
      `TRADING_PAIRS ${config.trading.pairs.join(',')} are not in the recording (it has ${symbols.join(', ')})`,
      { dataPath: options.dataPath, key: 'TRADING_PAIRS' },
    );
  }
  const fingerprint = await contentHash(options.dataPath, useCache ? cacheDir : null);
  const seed = options.seed ?? 0;

  const run = new BacktestRun(
    config,
    backtest.BACKTEST_COMPUTE_US / 1000,
    backtest.BACKTEST_EQUITY_SAMPLE_MS,
    pairs,
    grids,
    options,
    seed,
    realismOf(backtest),
    feedFaultsOf(backtest),
  );
  const filter: RecordingFilter = { symbols: new Set(pairs), toMs: options.toMs };
  const pacer = new ProgressPacer(run, options.onProgress);
  try {
    if (cachePath) await replayCachePaced(cachePath, run, filter, pacer, pacer.read);
    else await replayJsonPaced(options.dataPath, run, filter, pacer, pacer.read);
    await run.finish();
  } finally {
    await run.close();
  }
  pacer.finish();
  const backtestReport = run.report({
    title: `Backtest ${basename(options.dataPath)}`,
    run: {
      data: basename(options.dataPath),
      fingerprint,
      seed: String(seed),
      symbols: pairs.join(','),
      from: options.fromMs === undefined ? '' : new Date(options.fromMs).toISOString(),
      to: options.toMs === undefined ? '' : new Date(options.toMs).toISOString(),
      overrides: Object.keys(overrides)
        .filter((k) => !WHERE_NOT_WHAT.includes(k))
        .sort()
        .map((k) => `${k}=${overrides[k]}`)
        .join(' '),
    },
    settings: effective,
  });
  return {
    report: backtestReport,
    fingerprint,
    settings: effective,
    messages: run.messages,
    wallMs: performance.now() - wallStart,
  };
}

/** report.json (byte-identical for the same data, settings and seed) and the self-contained report.html. */
export async function writeBacktestOutput(outDir: string, result: BacktestRunResult): Promise<void> {
  writeBacktestReport(outDir, result.report);
}

/** Paces the replay by the run (what is due before each message) and reports progress every PROGRESS_EVERY_MS. */
class ProgressPacer implements MessagePacer {
  readonly read: ReadProgress = { bytesDone: 0, bytesTotal: 0 };
  private readonly startedAt = performance.now();
  private reportedAt = this.startedAt;
  private counter = 0;

  constructor(
    private readonly run: BacktestRun,
    private readonly onProgress: ((progress: BacktestProgress) => void) | undefined,
  ) {}

  beforeMessage(ts: number): Promise<void> | undefined {
    if (this.onProgress && (++this.counter & 1023) === 0 && performance.now() - this.reportedAt >= PROGRESS_EVERY_MS) {
      this.reportedAt = performance.now();
      this.report();
    }
    return this.run.beforeMessage(ts);
  }

  /** The last report: every byte read. */
  finish(): void {
    this.read.bytesDone = this.read.bytesTotal;
    this.report();
  }

  private report(): void {
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const { bytesDone, bytesTotal } = this.read;
    const rate = elapsed > 0 ? bytesDone / elapsed : 0;
    this.onProgress?.({
      messagesDone: this.run.messages,
      bytesDone,
      bytesTotal,
      messagesPerSecond: elapsed > 0 ? this.run.messages / elapsed : 0,
      etaSeconds: rate > 0 && bytesTotal > 0 ? Math.max(0, (bytesTotal - bytesDone) / rate) : null,
    });
  }
}

/**
 * The kernel's and the permit's lookups, answered from one run's symbols. A class rather than closures made per run:
 * a sweep worker's second backtest then calls the same methods as its first, where new closures would make the
 * code optimized during the first deoptimize ("wrong call target") and compile again.
 */
class BacktestPorts implements PermitSources, InstrumentLookup, BookLookup {
  constructor(
    private readonly worlds: ReadonlyMap<string, SymbolWorld>,
    private readonly killSwitch: InMemoryKillSwitch,
    private readonly venue: BacktestVenue,
    private readonly bookStaleMs: number,
  ) {}

  leaseHeld(): boolean {
    return true;
  }

  leaseGeneration(): number {
    return 1;
  }

  killSwitchActive(): boolean {
    return this.killSwitch.active;
  }

  tradeBreakerOpen(): boolean {
    return this.venue.tradeBreakerState() === 'OPEN';
  }

  bookFresh(symbol: string, nowMs: number): boolean {
    return this.worlds.get(symbol)?.book.canSignal(nowMs, this.bookStaleMs) === true;
  }

  get(symbol: string): InstrumentFilters | undefined {
    return this.worlds.get(symbol)?.filters;
  }

  book(symbol: string): OrderBook | undefined {
    return this.worlds.get(symbol)?.book;
  }
}

/** What a recurring tick found: work it started (let it settle), nothing this time, or nothing until woken. */
type TickOutcome = 'work' | 'quiet' | 'dormant';

interface Recurring {
  readonly periodMs: number;
  readonly task: () => TickOutcome;
  readonly anchor: number;
  armed: boolean;
}

interface SymbolWorld {
  readonly symbol: string;
  /** The bot's book: what its feed delivered. */
  readonly book: OrderBook;
  /**
   * The market as the venue sees it: every recorded message. The same object as `book` unless feed faults run, when
   * the bot's feed may lose messages the venue still gets.
   */
  readonly market: OrderBook;
  readonly resync: ResyncPolicy;
  readonly metrics: BookMetricsCache;
  readonly candles: CandleBuilder;
  readonly filters: InstrumentFilters;
  /** The strategy's input, refilled per book message. */
  readonly input: FrameInput;
  gaps: number;
  /** Last two-sided mid in ticks, NaN before the first: a field, not a Map entry boxing a number per message. */
  mid: number;
}

/** One run's world: the live components on the virtual clock, fed message by message (the RecordingSink). */
class BacktestRun implements ExecutionEventSink {
  readonly clock = new VirtualClock(0);
  readonly store: InMemoryExecutionStore;
  readonly venue: BacktestVenue;
  readonly kernel: ExecutionKernel;
  readonly features: MultiSymbolFeaturePipeline;
  readonly strategy: ImbalanceStrategy;
  readonly killSwitch: InMemoryKillSwitch;
  private readonly worlds = new Map<string, SymbolWorld>();
  private readonly fromMs: number;
  private started = false;
  private ended = false;
  private busyUntil = 0;
  private exitsRequested = 0;
  private settleNeeded = false;
  private readonly recurring: Recurring[] = [];
  /** The timer that just ran was a recurring tick that did nothing. */
  private quietTick = false;
  messages = 0;
  books = 0;
  tradeMessages = 0;
  signals = 0;
  startMs = Number.NaN;
  lastMs = Number.NaN;
  readonly rejections: Record<string, number> = {};
  readonly traces = new Map<string, EntryTrace>();
  readonly endOfData = new Set<string>();
  readonly equity: Array<{ timeMs: number; equity: string }> = [];
  readonly prices: Record<string, Array<{ timeMs: number; price: number }>> = {};
  private nextSampleMs = Number.NaN;
  /** Markout instants not yet passed, sorted by time (ties in the order they were added), from markoutHead on. */
  private readonly markouts: Array<{ symbol: string; timeMs: number; dueMs: number }> = [];
  private markoutHead = 0;
  /** Worlds in the order their first mid was seen (the order equity samples visit them, as the Map they replace). */
  private readonly midWorlds: SymbolWorld[] = [];
  private readonly outcomeCounts: Record<string, number> = {};
  private readonly feedFaults: FeedFaults | null;
  private readonly roundTripMs: number;
  private resyncWatchdog: Recurring | null = null;
  private resyncSnapshots = 0;
  private readonly snapshot = new BookDelta();
  private readonly snapshotLevels = new BookLevels();

  constructor(
    readonly config: AppConfig,
    private readonly computeMs: number,
    private readonly sampleMs: number,
    readonly pairs: readonly string[],
    grids: ReadonlyMap<string, BookGridSpec>,
    options: BacktestRunOptions,
    seed: number,
    realism: ReturnType<typeof realismOf>,
    feed: FeedFaultOptions,
  ) {
    this.fromMs = options.fromMs ?? Number.NEGATIVE_INFINITY;
    this.roundTripMs = realism.toVenueMs + realism.fromVenueMs;
    const random = Prng.from(seed, 'backtest-feed-faults');
    this.feedFaults = FeedFaults.enabled(feed) ? new FeedFaults(feed, () => random.next()) : null;
    for (const symbol of pairs) {
      const grid = grids.get(symbol)!;
      const info = instrumentInfoFor({ symbol, tickSize: grid.tickSize, qtyStep: grid.qtyStep });
      const book = new OrderBook(symbol, grid);
      this.worlds.set(symbol, {
        symbol,
        book,
        market: this.feedFaults ? new OrderBook(symbol, grid) : book,
        resync: new ResyncPolicy(),
        metrics: new BookMetricsCache({ minClusterVolume: config.trading.minClusterVolume }),
        candles: new CandleBuilder(),
        input: new FrameInput(symbol, book),
        mid: Number.NaN,
        filters: {
          tickSize: grid.tickSize,
          qtyStep: grid.qtyStep,
          minOrderQty: info.lotSizeFilter.minOrderQty,
          maxMarketOrderQty: info.lotSizeFilter.maxMktOrderQty,
          minNotionalValue: info.lotSizeFilter.minNotionalValue,
        },
        gaps: 0,
      });
      this.prices[symbol] = [];
    }
    this.store = new InMemoryExecutionStore(this.clock, { keepsContext: false });
    this.venue = new BacktestVenue(
      this.clock,
      [...this.worlds.values()].map((w) => ({ symbol: w.symbol, book: w.market })),
      {
        realism,
        makerFeeRate: config.simulator.makerFeeRate,
        takerFeeRate: config.simulator.takerFeeRate,
        initialBalance: config.simulator.initialBalanceUsdt,
        leverage: config.simulator.leverage,
        seed,
        rateLimitSafetyFactor: config.exchange.rateLimitSafetyFactor,
        rateLimitMaxWaitMs: config.exchange.rateLimitMaxWaitMs,
        httpTimeoutMs: config.exchange.httpTimeoutMs,
        breakerFailureThreshold: config.resilience.breakerFailureThreshold,
        breakerCooldownMs: config.resilience.breakerCooldownSeconds * 1000,
      },
    );
    // The domain classes the live FeaturesService and StrategyService hold, without Nest: a sweep worker loads less.
    this.features = new MultiSymbolFeaturePipeline({ minClusterVolume: config.trading.minClusterVolume });
    for (const symbol of pairs) this.features.pipeline(symbol);
    this.strategy = imbalanceStrategyFor(config.trading);
    this.killSwitch = new InMemoryKillSwitch(config.risk.maxDailyLossUsdt);
    const ports = new BacktestPorts(this.worlds, this.killSwitch, this.venue, config.trading.orderbookStaleMs);
    const risk = new EntryRiskGate({
      limits: config.risk,
      bookMaxAgeMs: config.trading.orderbookStaleMs,
      killSwitch: this.killSwitch,
      tradeBreaker: () => this.venue.tradeBreakerState(),
      instrument: (symbol) => ports.get(symbol),
      rejections: {
        entryRejected: (_check, rejection) => {
          this.rejections[rejection.code] = (this.rejections[rejection.code] ?? 0) + 1;
        },
      },
    });
    const permit = new TradingPermit(ports);
    permit.setWanted(true);
    permit.grant(1);
    this.kernel = createExecutionKernel({
      store: this.store,
      venue: this.venue,
      clock: this.clock,
      stopwatch: this.clock.stopwatch,
      delay: this.clock,
      risk,
      permit,
      instruments: ports,
      books: ports,
      events: this,
      settings: { pairs, maxHoldMs: config.risk.maxHoldSeconds * 1000 },
    });
    this.kernel.connect(this.venue.stream);
    this.updateBalance();
  }

  // ---- RecordingSink ---------------------------------------------------------------------------------------------

  book(delta: BookDelta): void {
    const world = this.worlds.get(delta.symbol);
    if (!world) return;
    this.enter(delta.ts);
    this.books++;
    if (world.market !== world.book) {
      // Feed faults: the market moves whether or not the bot's feed delivers this message.
      const marketResult = world.market.apply(delta, delta.ts);
      if (marketResult === 'applied' || marketResult === 'reset') this.onMarketMoved(world, delta);
      if (!this.feedFaults!.bookReaches(world.symbol, delta.ts)) return;
    }
    this.onBotBook(world, delta);
  }

  /** The venue sees the new market (fills of resting orders) and the markouts and equity marks follow it. */
  private onMarketMoved(world: SymbolWorld, delta: BookDelta): void {
    this.venue.onBook(world.symbol, delta);
    const market = world.market;
    if (market.bidCount > 0 && market.askCount > 0) {
      if (Number.isNaN(world.mid)) this.midWorlds.push(world);
      world.mid = (market.bestBid + market.bestAsk) / 2;
    }
  }

  /** A book message reaches the bot: what OrderBookService and TradingPipeline do live with it. */
  private onBotBook(world: SymbolWorld, delta: BookDelta): void {
    const result = world.book.apply(delta, delta.ts);
    if (result === 'gap' || result === 'crossed') {
      world.gaps++;
      this.resync(world);
      return;
    }
    if (result === 'awaiting-snapshot') this.resync(world);
    if (result !== 'applied' && result !== 'reset') return;
    if (world.market === world.book) this.onMarketMoved(world, delta);
    const book = world.book;
    if (delta.ts < this.fromMs) {
      // Warm-up: the book and features follow the market; nothing trades.
      this.features.onBook(book, delta.ts, world.metrics.touch(book));
      return;
    }
    // The strategy's compute time: it starts when the message arrives or when the previous one is done.
    const start = Math.max(this.clock.time, this.busyUntil);
    this.busyUntil = start + this.computeMs;
    this.clock.advanceTo(this.busyUntil);
    const nowMs = this.clock.nowMs();
    // What TradingPipeline.onBook does live, step for step.
    this.kernel.onBook(world.symbol, book, nowMs);
    const metrics = world.metrics.touch(book);
    const features = this.features.onBook(book, nowMs, metrics);
    const signal = this.strategy.evaluate(
      world.input.fill(metrics, world.metrics, features, this.features.names(), nowMs),
    );
    if (this.kernel.exits.requested !== this.exitsRequested) {
      this.exitsRequested = this.kernel.exits.requested;
      this.settleNeeded = true;
    }
    if (!signal) return;
    // Counted, not logged: the live signal log serves /trading/signals, which a backtest does not have (and its last
    // thousand signals would outlive the young generation, to be copied and promoted for nothing).
    this.signals++;
    const clientOrderId = clientOrderIdFor({ kind: 'entry', signalId: signal.id });
    const traced = this.traces.has(clientOrderId);
    if (!traced) {
      this.traces.set(clientOrderId, {
        signalPrice: signal.price,
        signalAtMs: this.clock.time,
        firstFillAtMs: null,
        maker: false,
        positionId: null,
      });
    }
    const outcome = this.kernel.onSignal(signal, undefined, book);
    this.outcomeCounts[outcome] = (this.outcomeCounts[outcome] ?? 0) + 1;
    if (outcome === 'sent' || outcome === 'exit') this.settleNeeded = true;
    // Only an entry that was sent is traced (a duplicate keeps the trace of the one that was).
    if (outcome !== 'sent' && !traced) this.traces.delete(clientOrderId);
  }

  trades(batch: TradeBatch): void {
    const world = this.worlds.get(batch.symbol);
    if (!world) return;
    this.enter(batch.ts);
    this.tradeMessages++;
    if (this.feedFaults === null || this.feedFaults.tradesReach(batch.symbol, batch.ts)) this.botTrades(world, batch);
    if (batch.ts >= this.fromMs) this.venue.onTrades(batch);
  }

  /** Trades reach the bot: the features and the candles built from them. */
  private botTrades(world: SymbolWorld, batch: TradeBatch): void {
    const grid = world.book.grid;
    const pipeline = this.features.pipeline(batch.symbol);
    for (let i = 0; i < batch.count; i++) {
      const price = batch.prices[i] * grid.tick;
      const size = batch.sizes[i] * grid.lot;
      pipeline.onTrade(batch.times[i], price, size, batch.sides[i] > 0);
      const candle = world.candles.onTrade(batch.times[i], price, size);
      if (candle) pipeline.onCandle(candle);
    }
  }

  // ---- feed faults: resync -----------------------------------------------------------------------------------------

  /**
   * The bot's book lost sync. With feed faults it asks for a snapshot as OrderBookService does live (the live resync
   * policy: at once, then at most once a second, the watchdog retrying), answered a round trip later with the venue's
   * book. Without them the bot's book is the market itself, so a gap in the recording leaves it waiting for the
   * recording's next snapshot.
   */
  private resync(world: SymbolWorld): void {
    if (this.feedFaults === null) return;
    this.requestSnapshot(world);
    this.armResyncWatchdog();
  }

  /** A resubscribe, unless one went out within the policy's window: its snapshot arrives a round trip later. */
  private requestSnapshot(world: SymbolWorld): void {
    if (world.resync.requestNow(this.clock.nowMs()))
      this.clock.at(this.clock.time + this.roundTripMs, () => this.deliverSnapshot(world));
  }

  private armResyncWatchdog(): void {
    if (this.resyncWatchdog === null) this.resyncWatchdog = this.every(RESYNC_WATCHDOG_MS, () => this.watchResyncs());
    else this.arm(this.resyncWatchdog);
  }

  /** The watchdog: books still out of sync ask again (a request deferred by the one-second window). */
  private watchResyncs(): TickOutcome {
    let waiting = false;
    for (const world of this.worlds.values()) {
      if (world.book.synced) continue;
      waiting = true;
      this.requestSnapshot(world);
    }
    return waiting ? 'quiet' : 'dormant';
  }

  /** The resubscribe's snapshot: the venue's book now, unless the market itself is out of sync (the watchdog retries). */
  private deliverSnapshot(world: SymbolWorld): void {
    const market = world.market;
    if (world.book.synced || !market.synced || market.crossed || market.bidCount === 0 || market.askCount === 0) return;
    const snapshot = this.snapshot;
    const levels = this.snapshotLevels;
    snapshot.symbol = world.symbol;
    snapshot.type = 'snapshot';
    snapshot.u = market.u;
    snapshot.seq = market.seq;
    snapshot.ts = this.clock.nowMs();
    snapshot.cts = snapshot.ts;
    snapshot.reserve(market.bidCount, market.askCount);
    levels.reserve(Math.max(market.bidCount, market.askCount));
    market.topBids(market.bidCount, levels);
    snapshot.bidCount = levels.count;
    snapshot.bidPrices.set(levels.prices.subarray(0, levels.count));
    snapshot.bidSizes.set(levels.sizes.subarray(0, levels.count));
    market.topAsks(market.askCount, levels);
    snapshot.askCount = levels.count;
    snapshot.askPrices.set(levels.prices.subarray(0, levels.count));
    snapshot.askSizes.set(levels.sizes.subarray(0, levels.count));
    this.resyncSnapshots++;
    this.onBotBook(world, snapshot);
  }

  // ---- pacing ----------------------------------------------------------------------------------------------------

  /** A message at `ts` (timers due by then have run: beforeMessage); moves the clock, samples equity and markouts. */
  private enter(ts: number): void {
    this.messages++;
    if (!this.started && ts >= this.fromMs) this.start(ts);
    this.clock.advanceTo(ts);
    if (this.started) {
      this.lastMs = ts;
      this.resolveMarkouts(ts);
      // Out of line: once per BACKTEST_EQUITY_SAMPLE_MS, so this stays small enough to inline into book/trades.
      if (ts >= this.nextSampleMs) this.sampleUpTo(ts);
    }
  }

  /** The first message at or after `fromMs`: trading starts, with the recurring sweep, poll and resync watchdog. */
  private start(ts: number): void {
    this.started = true;
    this.startMs = ts;
    this.clock.advanceTo(ts);
    this.nextSampleMs = ts;
    this.every(SWEEP_MS, () => {
      // The max-hold sweep and retries of unknown exits: only live positions give it work; it started some
      // (a close, a retry) exactly when it requested an exit.
      if (this.kernel.live.size === 0) return 'dormant';
      this.kernel.sweepExits();
      if (this.kernel.exits.requested === this.exitsRequested) return 'quiet';
      this.exitsRequested = this.kernel.exits.requested;
      return 'work';
    });
    this.every(POLL_MS, () => {
      if (this.kernel.live.size === 0 && this.kernel.live.pendingEntries === 0) return 'dormant';
      void this.kernel.pollQuietOrders();
      return 'work';
    });
    // Live, the resync watchdog always runs: a book whose first snapshot was lost asks for one too.
    if (this.feedFaults) this.armResyncWatchdog();
  }

  private sampleUpTo(ts: number): void {
    while (ts >= this.nextSampleMs) {
      this.sample(this.nextSampleMs);
      this.nextSampleMs += this.sampleMs;
      // A gap in the data (nothing moved): one more point at its end keeps the line flat, not one per period.
      const skip = Math.floor((ts - this.nextSampleMs) / this.sampleMs);
      if (skip > 1) this.nextSampleMs += skip * this.sampleMs;
    }
  }

  /**
   * Before each message at `ts`: let the asynchronous work the previous message started settle, then run the timers
   * due by `ts`, each at its own time and followed by a settle. Nothing to do (the common case): no promise.
   */
  beforeMessage(ts: number): Promise<void> | undefined {
    if (!this.settleNeeded && !this.clock.hasDueBy(ts)) return undefined;
    return this.catchUp(ts);
  }

  private async catchUp(ts: number): Promise<void> {
    if (this.settleNeeded) await this.settleAll();
    await this.runTimers(ts);
  }

  private async settleAll(): Promise<void> {
    this.settleNeeded = false;
    await settle();
  }

  /** Runs every timer due at or before `untilMs`, letting the kernel settle after each. */
  async runTimers(untilMs: number): Promise<void> {
    while (this.clock.runNext(untilMs)) {
      // A recurring tick that found nothing to do, or a quiet timer (a venue arrival), started nothing: no need to
      // let anything settle.
      if ((this.quietTick || this.clock.lastWasQuiet) && !this.settleNeeded) {
        this.quietTick = false;
        continue;
      }
      this.quietTick = false;
      await this.settleAll();
    }
  }

  /**
   * A recurring virtual timer on a fixed grid (every `periodMs` from now); `task` says what it found.
   * A tick that finds nothing to do and nothing live leaves it dormant (a long gap in the data must not cost a tick per period);
   * wake() re-arms it at the next grid point when the kernel does anything (every execution event).
   */
  private every(periodMs: number, task: () => TickOutcome): Recurring {
    const recurring: Recurring = { periodMs, task, anchor: this.clock.time, armed: false };
    this.recurring.push(recurring);
    this.arm(recurring);
    return recurring;
  }

  private arm(r: Recurring): void {
    if (r.armed || this.ended) return;
    r.armed = true;
    const next = r.anchor + (Math.floor((this.clock.time - r.anchor) / r.periodMs) + 1) * r.periodMs;
    this.clock.at(next, () => {
      r.armed = false;
      if (this.ended) return;
      const outcome = r.task();
      if (outcome === 'work') this.settleNeeded = true;
      else this.quietTick = true;
      if (outcome !== 'dormant') this.arm(r);
    });
  }

  private wake(): void {
    for (const r of this.recurring) if (!r.armed) this.arm(r);
  }

  // ---- the end ---------------------------------------------------------------------------------------------------

  async finish(): Promise<void> {
    if (!this.started) return;
    await this.runTimers(this.lastMs);
    // The data ended: no more sweeps or polls; what is still open is closed at market on the last book, and every
    // answer is let arrive (entries still in flight open first, then close in the next round).
    this.ended = true;
    for (let round = 0; round < 20; round++) {
      for (const position of [...this.kernel.live.all()]) {
        if (position.status !== 'Open') continue;
        this.endOfData.add(position.id);
        try {
          await this.kernel.closePosition(position.id);
        } catch {
          // exits are blocked for it: left open, reported as open at the end
        }
        await settle();
      }
      while (this.clock.runNext(Number.POSITIVE_INFINITY)) await settle();
      await this.kernel.drain();
      if (this.kernel.live.size === 0) break;
    }
    this.sample(Math.max(this.nextSampleMs - this.sampleMs, this.clock.nowMs()));
  }

  async close(): Promise<void> {
    this.ended = true;
    await this.venue.close();
  }

  // ---- observations ----------------------------------------------------------------------------------------------

  /** The kernel's events (ExecutionEventSink): fills start their traces' markouts and move the balance. */
  publish<K extends ExecutionEventName>(name: K, payload: ExecutionEvents[K]): void {
    this.wake();
    if (name === 'order.filled') {
      const { order, fill } = payload as ExecutionEvents['order.filled'];
      const trace = this.traces.get(order.clientOrderId);
      if (trace && trace.firstFillAtMs === null) {
        trace.firstFillAtMs = this.clock.time;
        trace.maker = fill.isMaker;
        trace.positionId = order.positionId;
        // The report's entry time is the position's openedAt: the first fill's execution time at the venue.
        const entryAt = Date.parse(fill.executedAt);
        for (const h of MARKOUT_HORIZONS_MS) this.addMarkout(order.symbol, entryAt + h);
      }
      this.updateBalance();
    }
  }

  private updateBalance(): void {
    const wallet = this.venue.engine.walletFigures();
    this.kernel.live.setBalance(Number(wallet.availableBalance.toString()), this.config.simulator.leverage);
  }

  private readonly markoutMids = new Map<string, number>();

  /** Keeps the pending markouts sorted: entries come in time order per horizon, so this rarely moves any. */
  private addMarkout(symbol: string, timeMs: number): void {
    const markouts = this.markouts;
    if (this.markoutHead > 1024 && this.markoutHead * 2 > markouts.length) {
      markouts.splice(0, this.markoutHead);
      this.markoutHead = 0;
    }
    // An unparsable time is due at once (the next message), as it always was.
    const markout = { symbol, timeMs, dueMs: Number.isNaN(timeMs) ? Number.NEGATIVE_INFINITY : timeMs };
    let i = markouts.length;
    markouts.push(markout);
    while (i > this.markoutHead && markouts[i - 1].dueMs > markout.dueMs) {
      markouts[i] = markouts[i - 1];
      i--;
    }
    markouts[i] = markout;
  }

  /**
   * Mid of each symbol at the markout instants passed by `ts` (the book before the message at `ts`): the pending
   * ones are sorted, so only those due are looked at, not every one still waiting (a long horizon keeps many).
   */
  private resolveMarkouts(ts: number): void {
    const markouts = this.markouts;
    while (this.markoutHead < markouts.length && markouts[this.markoutHead].dueMs <= ts) {
      const m = markouts[this.markoutHead++];
      const key = `${m.symbol}@${m.timeMs}`;
      if (!this.markoutMids.has(key)) {
        const mid = this.worlds.get(m.symbol)?.mid ?? Number.NaN;
        if (!Number.isNaN(mid)) this.markoutMids.set(key, mid);
      }
    }
  }

  private sample(timeMs: number): void {
    for (const world of this.midWorlds) {
      this.venue.engine.setMarkPrice(world.symbol, Math.round(world.mid));
      this.prices[world.symbol].push({ timeMs, price: world.mid * world.book.grid.tick });
    }
    this.equity.push({ timeMs, equity: this.venue.engine.equity().toString() });
  }

  report(head: { title: string; run: Record<string, string>; settings: Record<string, string> }): BacktestReport {
    const positions: PositionRecord[] = [...this.store.allPositions()];
    const entryOrders = this.store.allOrders().filter((o) => !o.reduceOnly).length;
    const worlds = [...this.worlds.values()];
    return buildReport({
      ...head,
      positions,
      orders: this.store.allOrders(),
      traces: this.traces,
      endOfData: this.endOfData,
      entryOrdersPlaced: entryOrders,
      startMs: this.startMs,
      endMs: Number.isNaN(this.lastMs) ? this.startMs : Math.max(this.lastMs, this.clock.nowMs()),
      sampleMs: this.sampleMs,
      equity: this.equity,
      prices: this.prices,
      midAt: (symbol, timeMs) => {
        const mid = this.markoutMids.get(`${symbol}@${timeMs}`);
        const world = this.worlds.get(symbol);
        return mid === undefined || !world ? undefined : mid * world.book.grid.tick;
      },
      counters: {
        messages: this.messages,
        bookMessages: this.books,
        tradeMessages: this.tradeMessages,
        signals: this.signals,
        ...prefixed('signal_', this.outcomeCounts),
        ...prefixed('risk_rejected_', this.rejections),
        ...prefixed('kernel_', this.kernel.counters()),
        ...prefixed('venue_', { ...this.venue.counters }),
        bookGaps: worlds.reduce((n, w) => n + w.gaps, 0),
        feed_outages: this.feedFaults?.outages ?? 0,
        feed_lostBookMessages: this.feedFaults?.lostBookMessages ?? 0,
        feed_lostTradeMessages: this.feedFaults?.lostTradeMessages ?? 0,
        feed_resyncRequests: worlds.reduce((n, w) => n + (w.market === w.book ? 0 : w.resync.requests), 0),
        feed_resyncSnapshots: this.resyncSnapshots,
      },
    });
  }
}

function prefixed(prefix: string, values: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(values).sort()) out[`${prefix}${key}`] = values[key];
  return out;
}

/** Lets every promise continuation queued so far run (the kernel's awaits are on in-memory promises only). */
function settle(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
