import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { MarketStream } from '../exchange/exchange.port';
import { EventBus } from '../infra/events/event-bus';
import { FeaturesService } from '../features/features.service';
import { CandleService } from '../market-data/candle.service';
import { BookMetricsCache } from '../order-book/domain/book-metrics';
import { OrderBook } from '../order-book/domain/order-book';
import { OrderBookService } from '../order-book/order-book.service';
import { FrameInput } from '../strategy/domain/strategy';
import { StrategyService } from '../strategy/strategy.service';
import { ExecutionService } from '../execution/execution.service';
import { isTimedFrame } from './feature-timing';

/**
 * The one place the hot-path steps meet (STYLE.md §2): book update → metrics → 110 features → strategy →
 * signal. Synchronous from the frame to the signal: no await, no database, no per-frame log; a book that is
 * stale, crossed or resyncing never reaches the strategy's rule (it checks `canSignal`). What flows out (the
 * signal log, `signal.generated` for /ws and execution) happens after the decision.
 */
@Injectable()
export class TradingPipeline implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TradingPipeline.name);
  private readonly unsubscribes: Array<() => void> = [];
  private updates = 0;
  private signals = 0;
  /** Seconds per feature computation of the sampled frames, when metrics are on (null: no clock is read). */
  private featureTimer: ((seconds: number) => void) | null = null;
  /** The strategy's input per symbol, refilled each frame (no object per frame). */
  private readonly frameInputs = new Map<string, FrameInput>();

  constructor(
    private readonly books: OrderBookService,
    private readonly candles: CandleService,
    private readonly market: MarketStream,
    private readonly features: FeaturesService,
    private readonly strategy: StrategyService,
    private readonly execution: ExecutionService,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.unsubscribes.push(
      this.books.onUpdated((symbol, book, nowMs, metrics) => this.onBook(symbol, book, nowMs, metrics)),
      this.market.on('trades', (message) => {
        for (const trade of message.trades) {
          this.features
            .pipeline(trade.symbol)
            .onTrade(trade.time, Number(trade.price), Number(trade.size), trade.side === 'Buy');
        }
      }),
    );
    this.candles.onClosed((symbol, candle) => {
      if (this.features.tracks(symbol)) this.features.pipeline(symbol).onCandle(candle);
    });
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  timeFeatures(observer: ((seconds: number) => void) | null): void {
    this.featureTimer = observer;
  }

  counters(): { book_updates: number; signals: number } {
    return { book_updates: this.updates, signals: this.signals };
  }

  private onBook(symbol: string, book: OrderBook, nowMs: number, cache: BookMetricsCache): void {
    if (!this.features.tracks(symbol)) return;
    this.updates += 1;
    this.execution.onBook(symbol, book, nowMs);
    // Once per frame: the touch part, read by the features and the strategy's rule; the depth part only on demand.
    const metrics = cache.touch(book);
    // With metrics on, one frame in FEATURE_TIMING_SAMPLE_EVERY is timed (the clock reads would cost 3-4 %).
    const timer = this.featureTimer !== null && isTimedFrame(this.updates) ? this.featureTimer : null;
    const startedAt = timer === null ? 0 : performance.now();
    const features = this.features.onBook(book, nowMs, metrics);
    if (timer !== null) timer((performance.now() - startedAt) / 1000);
    const signal = this.strategy.strategy.evaluate(
      this.frameInput(symbol, book).fill(metrics, cache, features, this.features.names(), nowMs),
    );
    if (!signal) return;
    this.signals += 1;
    this.strategy.record(signal);
    this.execution.onSignal(signal, undefined, book);
    // The signal id is the trace id of everything it causes downstream.
    this.events.publish('signal.generated', { traceId: signal.id, signal });
  }

  private frameInput(symbol: string, book: OrderBook): FrameInput {
    let input = this.frameInputs.get(symbol);
    // One book object per symbol lives as long as the service; a new one gets a new input.
    if (input === undefined || input.book !== book) {
      input = new FrameInput(symbol, book);
      this.frameInputs.set(symbol, input);
    }
    return input;
  }
}
