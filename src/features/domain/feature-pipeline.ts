import { BookMetrics } from '../../order-book/domain/book-metrics';
import { OrderBook } from '../../order-book/domain/order-book';
import { CandleFeatureExtractor } from './candle-feature-extractor';
import {
  CANDLE_FEATURE_COUNT,
  CANDLE_OFFSET,
  FEATURE_COUNT,
  FEATURE_NAMES,
  INDICATOR_FEATURE_COUNT,
  INDICATOR_OFFSET,
  ORDERBOOK_FEATURE_COUNT,
  ORDERBOOK_OFFSET,
} from './feature-names';
import { IndicatorFeatureExtractor } from './indicator-feature-extractor';
import { IndicatorCandle } from './indicators/indicator-candle';
import { OrderBookFeatureExtractor, OrderBookFeatureOptions } from './orderbook-feature-extractor';

export interface FeaturePipelineOptions extends OrderBookFeatureOptions {
  /** Output z-scores from online (Welford) per-feature mean/variance instead of raw values. */
  readonly normalize?: boolean;
  /** Update the standardisation statistics on each `update` (default true; false = frozen, e.g. loaded state). */
  readonly learnStatistics?: boolean;
}

/** The three channels as views over the vector (no copies). */
export interface FeatureChannels {
  readonly orderbook: Float64Array;
  readonly candle: Float64Array;
  readonly indicator: Float64Array;
}

/** Plain-JSON standardisation state (`saveState`/`loadState`). */
export interface FeatureStandardizationState {
  readonly version: 1;
  readonly names: readonly string[];
  readonly count: number[];
  readonly mean: number[];
  readonly m2: number[];
}

/**
 * The 110-feature vector of one symbol (SPEC §11, FEATURES.md). Pure and allocation-free per message.
 *
 * Feed it: `onCandle(candle)` for each closed 1-minute candle (oldest first, back-fill included), `onTrade(...)`
 * for each public trade, and `onBook(book, nowMs)` once per applied book message (exchange ms). Read it with
 * `vector()`: the vector of the last book message, computed when first read (most messages are never read: the
 * strategy copies the vector only into a signal). Feeding costs the histories and the touch of the book; the depth
 * part (level scans, clusters) and the copy of the 110 values are paid only by a read. `update(book, nowMs)` is
 * `onBook` then `vector()`.
 *
 * What a read returns never depends on whether or when anyone read before: the vector is that of the last book
 * message (or `compute` call) whenever it is read; a candle closing after it shows from the next book message on, as
 * it did when every message computed the vector. See OrderBookFeatureExtractor for the book features while the book
 * is not valid.
 *
 * `vector()` returns THE SAME Float64Array of 110 numbers every time (overwritten in place): copy it
 * (`toArray()` or `.slice()`) to keep a vector; it stays valid until the next `onBook`/`onCandle`/`compute`.
 * `ready` (same reuse rule) holds 1/0 per feature; `warm` is true when all 110 are ready. With `normalize`, the
 * vector holds z-scores ((x − mean)/σ, 0 while σ = 0 or fewer than two samples) and every book message's vector is
 * computed when it is fed (the statistics learn from each); `raw` always holds the unstandardised values.
 *
 * No NaN or ±Infinity leaves it: every division is guarded with FEATURES.md's neutral; a final pass over what a read
 * recomputed replaces any non-finite value that slips through by 0 and counts it in `sanitized` (should stay 0).
 */
export class FeaturePipeline {
  readonly orderbookFeatures: OrderBookFeatureExtractor;
  readonly candleFeatures = new CandleFeatureExtractor();
  readonly indicatorFeatures = new IndicatorFeatureExtractor();
  /** Count of non-finite values replaced by the last-line sanitiser. */
  sanitized = 0;

  private readonly rawValues = new Float64Array(FEATURE_COUNT);
  private readonly readyFlags = new Uint8Array(FEATURE_COUNT);
  private readonly output: Float64Array;
  private readonly normalize: boolean;
  private learn: boolean;
  private readonly count = new Float64Array(FEATURE_COUNT);
  private readonly mean = new Float64Array(FEATURE_COUNT);
  private readonly m2 = new Float64Array(FEATURE_COUNT);
  private readonly channels: FeatureChannels;
  private lastNowMs = 0;
  /** A book message (or `compute`) has defined the vector; before, a read shows the current state. */
  private fed = false;
  /** `rawValues`/`readyFlags` hold the candle and indicator part of the vector being read. */
  private candlePartWritten = false;

  constructor(
    readonly symbol: string,
    options: FeaturePipelineOptions = {},
  ) {
    this.orderbookFeatures = new OrderBookFeatureExtractor(options);
    this.normalize = options.normalize ?? false;
    this.learn = options.learnStatistics ?? true;
    this.output = this.normalize ? new Float64Array(FEATURE_COUNT) : this.rawValues;
    this.channels = Object.freeze({
      orderbook: this.output.subarray(ORDERBOOK_OFFSET, ORDERBOOK_OFFSET + ORDERBOOK_FEATURE_COUNT),
      candle: this.output.subarray(CANDLE_OFFSET, CANDLE_OFFSET + CANDLE_FEATURE_COUNT),
      indicator: this.output.subarray(INDICATOR_OFFSET, INDICATOR_OFFSET + INDICATOR_FEATURE_COUNT),
    });
  }

  /** Unstandardised values of the vector (see `vector()` for the reuse rule). */
  get raw(): Float64Array {
    this.materialize(false);
    return this.rawValues;
  }

  /** 1 when the feature is ready (past its warm-up, book valid), else 0 (the value is then its neutral/held value). */
  get ready(): Uint8Array {
    this.materialize(false);
    return this.readyFlags;
  }

  /**
   * Feeds one applied book message; the vector is computed when read (`vector()`). `metrics`: the frame's shared book
   * metrics of this very book state (at least the touch part), so the top of the book is read once.
   */
  onBook(book: OrderBook, nowMs: number, metrics?: BookMetrics): void {
    this.orderbookFeatures.onBook(book, nowMs, metrics);
    this.lastNowMs = nowMs;
    this.fed = true;
    this.candlePartWritten = false;
    if (this.normalize) this.materialize(true);
  }

  /** Feeds one closed candle: candle and indicator features change only here (they show from the next book message). */
  onCandle(candle: IndicatorCandle): void {
    // The vector of the last book message keeps the candles it was computed with, read now or later.
    if (this.fed && !this.candlePartWritten) this.writeCandlePart();
    this.candleFeatures.onCandle(candle);
    this.indicatorFeatures.onCandle(candle);
  }

  /** Feeds one public trade: exchange time `ts` (ms), price, size (base coin), taker side (`S === 'Buy'`). */
  onTrade(ts: number, price: number, size: number, isBuy: boolean): void {
    // A trade without a positive, representable notional carries no information and would turn the volume-weighted
    // features into 0/0 (fast-check found one: price 6.6e-84 × size 3.8e-241 underflows to 0).
    const notional = price * size;
    if (!(notional > 0 && Number.isFinite(notional))) return;
    this.orderbookFeatures.onTrade(ts, price, size, isBuy);
  }

  /** `onBook(book, nowMs)` then `vector()`: the vector after this book message (shared buffer). */
  update(book: OrderBook, nowMs: number, metrics?: BookMetrics): Float64Array {
    this.onBook(book, nowMs, metrics);
    return this.vector();
  }

  /** The vector of the last book message (shared buffer), computed now if it has not been read since. */
  vector(): Float64Array {
    this.materialize(false);
    return this.output;
  }

  /**
   * Rebuilds the vector at `nowMs` from the current state without feeding a message (shared buffer): the windows are
   * evicted at `nowMs` and trades since the last book message count.
   */
  compute(nowMs: number = this.lastNowMs): Float64Array {
    this.orderbookFeatures.settle(nowMs);
    this.lastNowMs = nowMs;
    this.fed = true;
    this.candlePartWritten = false;
    this.materialize(true);
    return this.output;
  }

  /** True when all 110 features are ready. */
  get warm(): boolean {
    const ready = this.ready;
    for (let i = 0; i < FEATURE_COUNT; i++) if (ready[i] === 0) return false;
    return true;
  }

  /** The current vector (see `vector()`) as a fresh array of 110 numbers. */
  toArray(): number[] {
    return Array.from(this.vector());
  }

  /** Views (subarrays) of the current vector: `orderbook` 50, `candle` 25, `indicator` 35 (see `vector()`). */
  toChannels(): FeatureChannels {
    this.materialize(false);
    return this.channels;
  }

  /**
   * Writes the vector: the book part at every read (it is cheap once computed for this book version, and it shows
   * the book's validity now), the candle part once per book message. With normalize, `learn` updates the statistics.
   */
  private materialize(learn: boolean): void {
    if (!this.candlePartWritten || !this.fed) this.writeCandlePart();
    const raw = this.rawValues;
    const ready = this.readyFlags;
    this.orderbookFeatures.write(raw, ORDERBOOK_OFFSET, ready);
    this.sanitize(ORDERBOOK_OFFSET, ORDERBOOK_OFFSET + ORDERBOOK_FEATURE_COUNT);
    if (this.normalize) this.standardize(learn && this.learn);
  }

  private writeCandlePart(): void {
    const raw = this.rawValues;
    const ready = this.readyFlags;
    const mid = this.orderbookFeatures.mid;
    this.candleFeatures.write(raw, CANDLE_OFFSET, ready, mid);
    this.indicatorFeatures.write(raw, INDICATOR_OFFSET, ready, mid);
    this.sanitize(CANDLE_OFFSET, INDICATOR_OFFSET + INDICATOR_FEATURE_COUNT);
    this.candlePartWritten = true;
  }

  private sanitize(from: number, to: number): void {
    const raw = this.rawValues;
    const ready = this.readyFlags;
    for (let i = from; i < to; i++) {
      const x = raw[i];
      if (x - x !== 0) {
        raw[i] = 0;
        ready[i] = 0;
        this.sanitized++;
      }
    }
  }

  names(): readonly string[] {
    return FEATURE_NAMES;
  }

  /** Freezes or resumes learning of the standardisation statistics. */
  setLearning(learn: boolean): void {
    this.learn = learn;
  }

  saveState(): FeatureStandardizationState {
    return {
      version: 1,
      names: [...FEATURE_NAMES],
      count: Array.from(this.count),
      mean: Array.from(this.mean),
      m2: Array.from(this.m2),
    };
  }

  loadState(state: FeatureStandardizationState): void {
    if (
      state.version !== 1 ||
      state.count.length !== FEATURE_COUNT ||
      state.mean.length !== FEATURE_COUNT ||
      state.m2.length !== FEATURE_COUNT
    ) {
      throw new RangeError('feature standardisation state does not match the 110-feature layout');
    }
    for (let i = 0; i < FEATURE_COUNT; i++) {
      if (state.names[i] !== FEATURE_NAMES[i])
        throw new RangeError(`feature ${i} is ${state.names[i]}, expected ${FEATURE_NAMES[i]}`);
      const count = Number(state.count[i]);
      const mean = Number(state.mean[i]);
      const m2 = Number(state.m2[i]);
      this.count[i] = Number.isFinite(count) && count > 0 ? count : 0;
      this.mean[i] = Number.isFinite(mean) ? mean : 0;
      this.m2[i] = Number.isFinite(m2) && m2 > 0 ? m2 : 0;
    }
  }

  /** Welford update with ready values only (when `learn`), then z-scores (0 while σ = 0 or fewer than two samples). */
  private standardize(learn: boolean): void {
    const raw = this.rawValues;
    const out = this.output;
    const ready = this.readyFlags;
    const count = this.count;
    const mean = this.mean;
    const m2 = this.m2;
    for (let i = 0; i < FEATURE_COUNT; i++) {
      const x = raw[i];
      if (learn && ready[i] === 1) {
        const n = count[i] + 1;
        count[i] = n;
        const delta = x - mean[i];
        mean[i] += delta / n;
        m2[i] += delta * (x - mean[i]);
      }
      const n = count[i];
      const variance = n > 1 ? m2[i] / n : 0;
      const z = variance > 0 ? (x - mean[i]) / Math.sqrt(variance) : 0;
      out[i] = z - z === 0 ? z : 0;
    }
  }
}
