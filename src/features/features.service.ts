import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { BookMetrics } from '../order-book/domain/book-metrics';
import { OrderBook } from '../order-book/domain/order-book';
import { FeaturePipeline } from './domain/feature-pipeline';
import { MultiSymbolFeaturePipeline } from './domain/multi-symbol-feature-pipeline';

/** One 110-feature pipeline per configured symbol; the trading pipeline feeds it, the API reads it. */
@Injectable()
export class FeaturesService {
  private readonly pipelines: MultiSymbolFeaturePipeline;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.pipelines = new MultiSymbolFeaturePipeline({ minClusterVolume: config.trading.minClusterVolume });
    for (const symbol of config.trading.pairs) this.pipelines.pipeline(symbol);
  }

  tracks(symbol: string): boolean {
    return this.config.trading.pairs.includes(symbol);
  }

  pipeline(symbol: string): FeaturePipeline {
    return this.pipelines.pipeline(symbol);
  }

  /**
   * Hot path: feeds one applied book message and returns the symbol's pipeline, a `FeatureSource` whose `vector()`
   * computes the 110 values when (if) read: the same Float64Array every call, overwritten in place.
   */
  onBook(book: OrderBook, nowMs: number, metrics?: BookMetrics): FeaturePipeline {
    return this.pipelines.onBook(book, nowMs, metrics);
  }

  names(): readonly string[] {
    return this.pipelines.names();
  }
}
