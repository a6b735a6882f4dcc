import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { HealthIndicatorResult } from '@nestjs/terminus';
import { Clock } from '../common/clock';
import { BookMessage } from '../exchange/exchange.types';
import { MarketStream } from '../exchange/exchange.port';
import { InstrumentsService } from '../exchange/instruments.service';
import { ReadinessRegistry } from '../health/readiness-registry';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { BookMetrics, BookMetricsCache } from './domain/book-metrics';
import { BookGrid } from './domain/book-grid';
import { OrderBook, OrderBookView, requiresResync } from './domain/order-book';
import { BookDelta, fillBookDelta, OrderBookParseError } from './domain/order-book.parse';
import { RESYNC_WATCHDOG_MS, ResyncPolicy } from './domain/resync-policy';
import { OrderBookError } from './order-book.errors';

/**
 * Called synchronously after a message changed a book (the trading pipeline's entry): keep it allocation-light.
 * `metrics` is the symbol's one metrics cache, shared with the read API: ask it, never compute beside it.
 */
export type BookUpdatedListener = (
  symbol: string,
  book: OrderBook,
  receivedAtMs: number,
  metrics: BookMetricsCache,
) => void;

interface SymbolBook {
  readonly book: OrderBook;
  readonly delta: BookDelta;
  readonly metrics: BookMetricsCache;
  readonly resync: ResyncPolicy;
  parseErrors: number;
}

/**
 * One L2 book per configured symbol, fed straight from the exchange's order-book stream. The listener is the hot
 * path: no await, no log per frame, the delta buffer reused; a gap or crossed book triggers one resubscribe.
 */
@Injectable()
export class OrderBookService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OrderBookService.name);
  private readonly books = new Map<string, SymbolBook>();
  private readonly unsubscribes: Array<() => void> = [];
  private readonly updateListeners: BookUpdatedListener[] = [];
  private watchdog?: NodeJS.Timeout;

  constructor(
    private readonly market: MarketStream,
    private readonly instruments: InstrumentsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly readiness?: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.unsubscribes.push(
      this.market.on('book', (message) => this.onBook(message)),
      this.market.on('connection', (change) => {
        // After a reconnect the stream resubscribes and Bybit sends snapshots; until then the books are not in sync.
        if (change.state !== 'connected') for (const entry of this.books.values()) entry.book.requestResync();
        // That resubscribe counts as the request: the watchdog asks again only if its snapshot does not come.
        else for (const entry of this.books.values()) entry.resync.requestedBy(this.clock.nowMs());
      }),
    );
    this.watchdog = setInterval(() => this.resyncOverdue(), RESYNC_WATCHDOG_MS);
    this.watchdog.unref();
    this.readiness?.register('orderbooks', () => this.readinessCheck());
  }

  onModuleDestroy(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  onUpdated(listener: BookUpdatedListener): () => void {
    this.updateListeners.push(listener);
    return () => {
      const index = this.updateListeners.indexOf(listener);
      if (index >= 0) this.updateListeners.splice(index, 1);
    };
  }

  symbols(): readonly string[] {
    return this.config.trading.pairs;
  }

  /** The book of `symbol` (for the trading pipeline), or undefined before its first message. */
  book(symbol: string): OrderBook | undefined {
    return this.books.get(symbol)?.book;
  }

  view(symbol: string, depth: number): OrderBookView & { stale: boolean } {
    const book = this.requireBook(symbol);
    return { ...book.view(depth), stale: book.isStale(this.clock.nowMs(), this.config.trading.orderbookStaleMs) };
  }

  metrics(symbol: string): { book: OrderBook; metrics: BookMetrics; stale: boolean } {
    const book = this.requireBook(symbol);
    const entry = this.books.get(symbol) as SymbolBook;
    return {
      book,
      // Computed at most once per book version, whoever asks first (this API, the strategy's signal context).
      metrics: entry.metrics.full(book),
      stale: book.isStale(this.clock.nowMs(), this.config.trading.orderbookStaleMs),
    };
  }

  private onBook(message: BookMessage): void {
    let entry = this.books.get(message.symbol);
    if (!entry) {
      const created = this.createEntry(message.symbol);
      if (!created) return;
      entry = created;
    }
    try {
      fillBookDelta(message, entry.book.grid, entry.delta);
    } catch (error) {
      if (!(error instanceof OrderBookParseError)) throw error;
      entry.parseErrors += 1;
      entry.book.requestResync();
      this.resync(message.symbol, entry, message.receivedAt);
      return;
    }
    const result = entry.book.apply(entry.delta, message.receivedAt);
    if (requiresResync(result)) this.resync(message.symbol, entry, message.receivedAt);
    else if (result === 'applied' || result === 'reset') {
      for (let i = 0; i < this.updateListeners.length; i++)
        this.updateListeners[i](message.symbol, entry.book, message.receivedAt, entry.metrics);
    }
  }

  private createEntry(symbol: string): SymbolBook | undefined {
    if (!this.config.trading.pairs.includes(symbol)) return undefined;
    const instrument = this.instruments.get(symbol);
    if (!instrument) return undefined; // instruments load before the stream starts; a frame before that is dropped
    const entry: SymbolBook = {
      book: new OrderBook(symbol, new BookGrid(instrument.tickSize, instrument.qtyStep)),
      delta: new BookDelta(this.config.trading.orderbookDepth),
      metrics: new BookMetricsCache({ minClusterVolume: this.config.trading.minClusterVolume }),
      resync: new ResyncPolicy(),
      parseErrors: 0,
    };
    this.books.set(symbol, entry);
    return entry;
  }

  /** Books that are out of sync and were not asked for a snapshot within the window: ask now. */
  private resyncOverdue(): void {
    if (this.market.state() !== 'connected') return; // the reconnect resubscribes everything itself
    const now = this.clock.nowMs();
    for (const [symbol, entry] of this.books) if (!entry.book.synced) this.resync(symbol, entry, now);
  }

  /** Asks for a snapshot now, or leaves it to the watchdog when one was asked for within the window. */
  private resync(symbol: string, entry: SymbolBook, nowMs: number): void {
    if (!entry.resync.requestNow(nowMs)) return; // deferred: resyncOverdue() retries
    this.logger.warn(
      { symbol, u: entry.book.u, gaps: entry.book.gaps, crossings: entry.book.crossings },
      'order book out of sync; resubscribing',
    );
    this.market
      .resubscribeBook(symbol)
      .catch((error: unknown) => this.logger.error({ err: error, symbol }, 'resubscribe failed'));
  }

  private requireBook(symbol: string): OrderBook {
    if (!this.config.trading.pairs.includes(symbol)) {
      throw new OrderBookError(
        'UNKNOWN_SYMBOL',
        `Unknown symbol ${symbol}: configured pairs are ${this.config.trading.pairs.join(', ')}`,
      );
    }
    const book = this.books.get(symbol)?.book;
    if (!book) throw new OrderBookError('BOOK_NOT_READY', `No order book for ${symbol} yet`);
    return book;
  }

  /** Ready when every configured symbol has a synced, fresh, uncrossed book. */
  private readinessCheck(): HealthIndicatorResult {
    const now = this.clock.nowMs();
    const symbols: Record<string, string> = {};
    let up = true;
    for (const symbol of this.config.trading.pairs) {
      const book = this.books.get(symbol)?.book;
      const state = !book
        ? 'no-data'
        : !book.synced || book.needsResync
          ? 'resyncing'
          : book.crossed
            ? 'crossed'
            : book.isStale(now, this.config.trading.orderbookStaleMs)
              ? 'stale'
              : 'fresh';
      symbols[symbol] = state;
      if (state !== 'fresh') up = false;
    }
    return { orderbooks: { status: up ? 'up' : 'down', ...symbols } };
  }
}
