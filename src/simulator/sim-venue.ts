import { decimalsOf, toUnits } from '../common/ticks';
import { Instrument, InstrumentInfo, linearInstrumentInfo } from './domain/instrument';
import { instrumentFor, InstrumentSpec } from './domain/instrument-universe';
import { LiquiditySource, Side } from './domain/liquidity';
import { MarketModel } from './domain/market-model';
import { OrderbookView, PublicMessage, RecentTradeView, KlineRow, TickerRecord } from './domain/market-model.messages';
import {
  AmendOrderRequest,
  CancelOrderRequest,
  DEFAULT_ENGINE_CONFIG,
  EngineResult,
  ExecutionQuery,
  MatchingEngine,
  OrderQuery,
  PlaceOrderRequest,
  PrivateUpdate,
} from './domain/matching-engine';
import { ReplaySource } from './domain/replay-source';
import { ReplayRecord } from './domain/replay-reader';
import { seededUuidFactory } from './domain/sim-ids';
import { EngineSnapshot } from './domain/sim-state';

export interface VenueOptions {
  readonly symbols: readonly string[];
  readonly seed: number;
  readonly makerFeeRate: string;
  readonly takerFeeRate: string;
  readonly initialBalanceUsdt: string;
  readonly leverage: number;
  readonly stepMs: number;
  readonly startMs: number;
  /** A restored account (persisted across restarts); a fresh one otherwise. */
  readonly account?: EngineSnapshot;
  /**
   * Salt of a fresh account's order and execution ids; defaults to `startMs`, so an account created again (SIM_RESET)
   * never repeats the ids of the one before, while a run with a fixed start time stays reproducible.
   */
  readonly idEpoch?: number;
  /** Replay a recording instead of running the market model: the source and the records' instruments. */
  readonly replay?: { readonly source: ReplaySource; readonly instruments: readonly InstrumentSpec[] };
}

/** A public message ready to fan out: its topic and its JSON text, serialised once for every subscriber. */
export interface OutboundPublic {
  readonly topic: string;
  readonly text: string;
}

export interface VenueListeners {
  publicMessage(message: OutboundPublic): void;
  privateUpdate(update: PrivateUpdate): void;
  accountChanged(): void;
}

interface Market {
  readonly symbol: string;
  readonly instrument: Instrument;
  readonly model?: MarketModel;
  readonly liquidity: LiquiditySource;
}

/** Bybit instruments-info item for a simulated symbol, from its tick size and qty step. */
export function instrumentInfoFor(spec: Pick<InstrumentSpec, 'symbol' | 'tickSize' | 'qtyStep'>): InstrumentInfo {
  const qtyDecimals = decimalsOf(spec.qtyStep);
  const scaleQty = (steps: number) => (Number(spec.qtyStep) * steps).toFixed(qtyDecimals);
  return linearInstrumentInfo(spec.symbol, {
    priceScale: String(decimalsOf(spec.tickSize)),
    priceFilter: {
      minPrice: spec.tickSize,
      maxPrice: (Number(spec.tickSize) * 1e9).toFixed(decimalsOf(spec.tickSize)),
      tickSize: spec.tickSize,
    },
    lotSizeFilter: {
      minOrderQty: spec.qtyStep,
      maxOrderQty: scaleQty(1_000_000),
      maxMktOrderQty: scaleQty(100_000),
      qtyStep: spec.qtyStep,
      minNotionalValue: '5',
      postOnlyMaxOrderQty: scaleQty(1_000_000),
    },
  });
}

/**
 * The simulated exchange without its transport: one market (model or replay) per symbol, one account (the
 * matching engine) trading against them, and the clock-driven loop that moves markets and fills resting orders.
 * The V5 server turns HTTP/WS into calls on this class and fans its outputs out to connections.
 */
export class SimVenue {
  readonly engine: MatchingEngine;
  private readonly markets = new Map<string, Market>();
  private readonly listeners: VenueListeners[] = [];
  private paused = false;
  private readonly replay?: ReplaySource;

  constructor(private readonly options: VenueOptions) {
    this.replay = options.replay?.source;
    const specs = options.replay ? options.replay.instruments : options.symbols.map(instrumentFor);
    for (const spec of specs) {
      const symbol = spec.symbol;
      const instrument = new Instrument(instrumentInfoFor(spec));
      if (this.replay) {
        this.markets.set(symbol, { symbol, instrument, liquidity: replayedLiquidity(this.replay, symbol) });
      } else {
        const model = new MarketModel({
          seed: options.seed,
          instrument: spec,
          startMs: options.startMs,
          params: { stepMs: options.stepMs },
        });
        model.warmUp(options.startMs - 200 * 60_000, options.startMs);
        this.markets.set(symbol, { symbol, instrument, model, liquidity: model.book });
      }
    }
    const idEpoch = options.account ? (options.account.idEpoch ?? 0) : (options.idEpoch ?? options.startMs);
    const deps = {
      config: {
        ...DEFAULT_ENGINE_CONFIG,
        makerFeeRate: options.makerFeeRate,
        takerFeeRate: options.takerFeeRate,
        initialBalance: options.initialBalanceUsdt,
        defaultLeverage: String(options.leverage),
      },
      instruments: [...this.markets.values()].map((m) => m.instrument),
      liquidity: (symbol: string) => this.market(symbol).liquidity,
      newId: seededUuidFactory(options.seed, idEpoch),
    };
    this.engine = options.account
      ? MatchingEngine.fromSnapshot(deps, options.account)
      : MatchingEngine.create(deps, options.startMs, idEpoch);
  }

  on(listeners: VenueListeners): void {
    this.listeners.push(listeners);
  }

  symbols(): string[] {
    return [...this.markets.keys()];
  }

  hasSymbol(symbol: string): boolean {
    return this.markets.has(symbol);
  }

  instruments(): InstrumentInfo[] {
    return [...this.markets.values()].map((m) => m.instrument.info);
  }

  get isReplay(): boolean {
    return this.replay !== undefined;
  }

  // ---------------------------------------------------------------------------------------- the clock

  /** Moves every market to `nowMs`, publishes what it produced and lets the account's resting orders fill. */
  tick(nowMs: number): void {
    if (this.replay) {
      this.replay.advance(nowMs, (record: ReplayRecord) => {
        if (!this.paused) this.emitPublic({ topic: record.topic, text: record.raw });
        if (record.kind === 'orderbook' && this.markets.has(record.symbol))
          this.settle(this.engine.onMarketMove(record.symbol, nowMs));
      });
      return;
    }
    for (const market of this.markets.values()) {
      market.model?.advance(nowMs, (message: PublicMessage) => {
        if (!this.paused) this.emitPublic({ topic: message.topic, text: JSON.stringify(message) });
        if (message.topic.startsWith('publicTrade.'))
          this.fillAgainstTrades(market, message.data as Array<{ S: Side; p: string; v: string; T: number }>);
      });
      this.settle(this.engine.onMarketMove(market.symbol, nowMs));
    }
  }

  /** A subscriber joined `topic`: start producing it and return the message it must see first. */
  openTopic(topic: string): string | undefined {
    if (this.replay) {
      const snapshot = this.replay.snapshotFor(topic);
      return snapshot ? JSON.stringify(snapshot) : undefined;
    }
    const model = this.modelOfTopic(topic);
    if (!model || !model.open(topic)) return undefined;
    const first = model.snapshotFor(topic);
    return first ? JSON.stringify(first) : undefined;
  }

  /** The last subscriber left `topic`. */
  closeTopic(topic: string): void {
    this.modelOfTopic(topic)?.close(topic);
  }

  pauseFeed(): void {
    this.paused = true;
  }

  resumeFeed(): void {
    this.paused = false;
  }

  forceGap(symbol: string, depth: number): boolean {
    return this.markets.get(symbol)?.model?.forceGap(`orderbook.${depth}.${symbol}`) ?? false;
  }

  forceResetSnapshot(symbol?: string): void {
    for (const market of this.markets.values())
      if (!symbol || market.symbol === symbol) market.model?.forceResetSnapshot();
  }

  // ------------------------------------------------------------------------------------- market views

  orderbook(symbol: string, limit: number): OrderbookView | undefined {
    if (this.replay) return this.replay.orderbookView(symbol, limit);
    return this.markets.get(symbol)?.model?.orderbookView(limit);
  }

  recentTrades(symbol: string, limit: number): RecentTradeView[] {
    return this.markets.get(symbol)?.model?.recentTrades(limit) ?? [];
  }

  klines(symbol: string, limit: number, startMs?: number, endMs?: number): KlineRow[] {
    return this.markets.get(symbol)?.model?.klineRows(limit, startMs, endMs) ?? [];
  }

  ticker(symbol: string): TickerRecord | undefined {
    return this.markets.get(symbol)?.model?.tickerView();
  }

  // ------------------------------------------------------------------------------------------ account

  placeOrder(request: PlaceOrderRequest, nowMs: number) {
    return this.settle(this.engine.placeOrder(request, nowMs));
  }

  amendOrder(request: AmendOrderRequest, nowMs: number) {
    return this.settle(this.engine.amendOrder(request, nowMs));
  }

  cancelOrder(request: CancelOrderRequest, nowMs: number) {
    return this.settle(this.engine.cancelOrder(request, nowMs));
  }

  cancelAll(symbol: string | undefined, nowMs: number) {
    return this.settle(this.engine.cancelAll(symbol, nowMs));
  }

  setLeverage(symbol: string, leverage: string, nowMs: number) {
    return this.settle(this.engine.setLeverage(symbol, leverage, nowMs));
  }

  listOrders(query: OrderQuery) {
    return this.engine.listOrders(query);
  }

  listExecutions(query: ExecutionQuery) {
    return this.engine.listExecutions(query);
  }

  listPositions(query: { symbol?: string }) {
    return this.engine.listPositions(query);
  }

  walletBalance() {
    return this.engine.walletBalance();
  }

  feeRates(symbol?: string) {
    return this.engine.feeRates(symbol);
  }

  snapshot(): EngineSnapshot {
    return this.engine.toSnapshot();
  }

  // ------------------------------------------------------------------------------------------ private

  /** Pushes an operation's private updates, and shows the account's own fills in the public tape. */
  private settle<T>(outcome: EngineResult<T>): T {
    if (outcome.updates.length === 0) return outcome.result;
    for (const update of outcome.updates) {
      if (update.topic === 'execution') {
        for (const execution of update.data) {
          const market = this.markets.get(execution.symbol);
          if (!market?.model) continue;
          const ticks = toUnits(execution.execPrice, market.instrument.info.priceFilter.tickSize, 'nearest');
          const lots = toUnits(execution.execQty, market.instrument.info.lotSizeFilter.qtyStep, 'nearest');
          market.model.recordExternalTrade(execution.side as Side, ticks, lots, Number(execution.execTime));
        }
      }
      for (const listener of this.listeners) listener.privateUpdate(update);
    }
    for (const listener of this.listeners) listener.accountChanged();
    return outcome.result;
  }

  private fillAgainstTrades(market: Market, trades: ReadonlyArray<{ S: Side; p: string; v: string; T: number }>): void {
    const { tickSize } = market.instrument.info.priceFilter;
    const { qtyStep } = market.instrument.info.lotSizeFilter;
    for (const trade of trades) {
      this.settle(
        this.engine.onPublicTrade(
          market.symbol,
          trade.S,
          toUnits(trade.p, tickSize, 'nearest'),
          toUnits(trade.v, qtyStep, 'nearest'),
          trade.T,
        ),
      );
    }
  }

  private emitPublic(message: OutboundPublic): void {
    for (const listener of this.listeners) listener.publicMessage(message);
  }

  private market(symbol: string): Market {
    const market = this.markets.get(symbol);
    if (!market) throw new Error(`unknown symbol ${symbol}`);
    return market;
  }

  private modelOfTopic(topic: string): MarketModel | undefined {
    const symbol = topic.slice(topic.lastIndexOf('.') + 1);
    return this.markets.get(symbol)?.model;
  }
}

/** The replayed book of `symbol`, empty until the recording's first snapshot of it has been replayed. */
function replayedLiquidity(replay: ReplaySource, symbol: string): LiquiditySource {
  return {
    bestBid: () => replay.book(symbol)?.bestBid(),
    bestAsk: () => replay.book(symbol)?.bestAsk(),
    levelsFor: (side) => replay.book(symbol)?.levelsFor(side) ?? [],
    consume: (side, priceTicks, lots) => {
      replay.book(symbol)?.consume(side, priceTicks, lots);
    },
  };
}

/**
 * The symbols of a recording and their filters, inferred from the decimals of the first snapshot of each
 * (a recording carries no instruments-info).
 */
export function instrumentsOfRecording(records: readonly ReplayRecord[]): InstrumentSpec[] {
  const found = new Map<string, InstrumentSpec>();
  for (const record of records) {
    if (record.kind !== 'orderbook' || record.message.type !== 'snapshot' || found.has(record.symbol)) continue;
    const levels = [...record.message.data.b, ...record.message.data.a];
    const step = (decimals: number) => (decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`);
    const decimalsOfValue = (value: string) => (value.includes('.') ? value.length - value.indexOf('.') - 1 : 0);
    const priceDecimals = Math.max(0, ...levels.map(([price]) => decimalsOfValue(price)));
    const sizeDecimals = Math.max(0, ...levels.map(([, size]) => decimalsOfValue(size)));
    const mid = levels[0]?.[0] ?? '1';
    found.set(record.symbol, {
      symbol: record.symbol,
      tickSize: step(priceDecimals),
      qtyStep: step(sizeDecimals),
      startPrice: mid,
    });
  }
  return [...found.values()];
}
