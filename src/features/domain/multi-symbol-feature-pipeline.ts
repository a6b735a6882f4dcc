import { BookMetrics } from '../../order-book/domain/book-metrics';
import { OrderBook } from '../../order-book/domain/order-book';
import { FEATURE_NAMES } from './feature-names';
import { FeaturePipeline, FeaturePipelineOptions, FeatureStandardizationState } from './feature-pipeline';
import { IndicatorCandle } from './indicators/indicator-candle';

/** One `FeaturePipeline` per symbol, created on first use with shared options. */
export class MultiSymbolFeaturePipeline {
  private readonly pipelines = new Map<string, FeaturePipeline>();

  constructor(private readonly options: FeaturePipelineOptions = {}) {}

  /** The symbol's pipeline, created when missing. */
  pipeline(symbol: string): FeaturePipeline {
    let pipeline = this.pipelines.get(symbol);
    if (pipeline === undefined) {
      pipeline = new FeaturePipeline(symbol, this.options);
      this.pipelines.set(symbol, pipeline);
    }
    return pipeline;
  }

  has(symbol: string): boolean {
    return this.pipelines.has(symbol);
  }

  symbols(): string[] {
    return [...this.pipelines.keys()];
  }

  remove(symbol: string): boolean {
    return this.pipelines.delete(symbol);
  }

  onCandle(symbol: string, candle: IndicatorCandle): void {
    this.pipeline(symbol).onCandle(candle);
  }

  onTrade(symbol: string, ts: number, price: number, size: number, isBuy: boolean): void {
    this.pipeline(symbol).onTrade(ts, price, size, isBuy);
  }

  /** Feeds one book message to its symbol's pipeline and returns that pipeline (its `vector()` computes when read). */
  onBook(book: OrderBook, nowMs: number, metrics?: BookMetrics): FeaturePipeline {
    const pipeline = this.pipeline(book.symbol);
    pipeline.onBook(book, nowMs, metrics);
    return pipeline;
  }

  /** The symbol's vector after this book message (the pipeline's shared buffer; see FeaturePipeline.update). */
  update(book: OrderBook, nowMs: number, metrics?: BookMetrics): Float64Array {
    return this.pipeline(book.symbol).update(book, nowMs, metrics);
  }

  names(): readonly string[] {
    return FEATURE_NAMES;
  }

  saveState(): Record<string, FeatureStandardizationState> {
    const state: Record<string, FeatureStandardizationState> = {};
    for (const [symbol, pipeline] of this.pipelines) state[symbol] = pipeline.saveState();
    return state;
  }

  loadState(state: Record<string, FeatureStandardizationState>): void {
    for (const symbol of Object.keys(state)) this.pipeline(symbol).loadState(state[symbol]);
  }
}
