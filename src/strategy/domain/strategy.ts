import { DomainError } from '../../common/domain-error';
import { BookMetrics, BookMetricsCache } from '../../order-book/domain/book-metrics';
import { OrderBook } from '../../order-book/domain/order-book';
import { Signal } from './signal';

/**
 * What a strategy sees on each book update. Everything is precomputed once per frame and shared with the features
 * and the read API: `metrics` are the metrics of this very book state, with a `minClusterVolume` no larger than the
 * strategy's own (a strategy may ignore smaller clusters, never find more). They may hold only the touch part
 * (`metrics.complete` false, see book-metrics.ts); `metricsSource.full(book)` then completes them in place, at most
 * once per book version, for a strategy that needs the depth part (a signal's context).
 * `features` gives the frame's feature vector, computed only if read (`vector()`: the caller's reused buffer,
 * parallel to `featureNames`); a strategy reads it only for what it emits and copies what it keeps. Time is an
 * argument: `nowMs` is the clock's time of this evaluation.
 */
export interface StrategyInput {
  readonly symbol: string;
  readonly book: OrderBook;
  readonly metrics: BookMetrics;
  /** The cache `metrics` came from; absent when `metrics` is already complete. */
  readonly metricsSource?: BookMetricsCache;
  readonly features?: FeatureSource;
  readonly featureNames?: readonly string[];
  readonly nowMs: number;
}

/**
 * One symbol's StrategyInput, refilled in place per book frame instead of a new object per frame (the hot path):
 * `evaluate` reads its input and keeps nothing of it. The live TradingPipeline and the backtest hold one per symbol.
 */
export class FrameInput implements StrategyInput {
  metrics!: BookMetrics;
  metricsSource?: BookMetricsCache;
  features?: FeatureSource;
  featureNames?: readonly string[];
  nowMs = 0;

  constructor(
    readonly symbol: string,
    readonly book: OrderBook,
  ) {}

  /** This frame's values; returns itself for `evaluate`. */
  fill(
    metrics: BookMetrics,
    metricsSource: BookMetricsCache,
    features: FeatureSource,
    featureNames: readonly string[],
    nowMs: number,
  ): StrategyInput {
    this.metrics = metrics;
    this.metricsSource = metricsSource;
    this.features = features;
    this.featureNames = featureNames;
    this.nowMs = nowMs;
    return this;
  }
}

/** The feature vector of the frame being evaluated, computed on the first read (FeaturePipeline is one). */
export interface FeatureSource {
  /** The vector (a reused buffer, overwritten by the next frame): names are `StrategyInput.featureNames`. */
  vector(): Float64Array;
}

/**
 * A pluggable signal source: pure (no I/O, no clock, no timers), deterministic given its inputs and its own
 * in-memory state (cooldowns). `evaluate` returns a frozen `Signal` or null, and never throws on market data.
 */
export interface Strategy {
  /** Stable, short, [A-Za-z0-9]: part of every signal id. */
  readonly name: string;
  evaluate(input: StrategyInput): Signal | null;
  /** Forgets per-symbol state (cooldowns), e.g. after a resync or a restart; all symbols when omitted. */
  reset?(symbol?: string): void;
}

export type StrategyErrorCode = 'BAD_PARAMS';

export class StrategyError extends DomainError<StrategyErrorCode> {
  constructor(code: StrategyErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, 'INVALID', message, details);
  }
}
