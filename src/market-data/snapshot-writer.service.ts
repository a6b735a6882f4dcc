import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HealthIndicatorResult } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { ReadinessRegistry } from '../health/readiness-registry';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { OrderBookService } from '../order-book/order-book.service';
import { BoundedQueue } from './domain/bounded-queue';

interface SnapshotRow {
  readonly symbol: string;
  readonly ts: Date;
  readonly bestBid: string | null;
  readonly bestAsk: string | null;
  readonly mid: number | null;
  readonly spread: number | null;
  readonly imbalance: number;
  readonly bidVolume: number;
  readonly askVolume: number;
  readonly bids: string;
  readonly asks: string;
  readonly metrics: string;
}

const QUEUE_CAPACITY = 20_000;
const BATCH_ROWS = 1_000;
const FLUSH_INTERVAL_MS = 1_000;
const SNAPSHOT_LEVELS = 10;
const COLUMNS = 12;

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * Order-book snapshots into `market_data_snapshots`, off the hot path: a timer samples each synced book into a
 * bounded in-memory queue (dropping and counting the oldest when the database falls behind, never blocking the
 * feed), and another timer writes the queue in multi-row INSERTs. Nothing here runs per WebSocket frame.
 */
@Injectable()
export class SnapshotWriter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SnapshotWriter.name);
  private readonly queue = new BoundedQueue<SnapshotRow>(QUEUE_CAPACITY);
  private sampler?: NodeJS.Timeout;
  private flusher?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private written = 0;
  private failedBatches = 0;

  constructor(
    private readonly books: OrderBookService,
    private readonly database: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly readiness?: ReadinessRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.database.snapshotIntervalMs;
    this.readiness?.register('marketData', () => this.status());
    if (interval <= 0) return;
    this.sampler = setInterval(() => this.sample(), interval);
    this.flusher = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.sampler.unref();
    this.flusher.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sampler);
    clearInterval(this.flusher);
    await this.flush();
  }

  /** Takes one snapshot of every synced, fresh book. */
  sample(): void {
    const now = this.clock.nowMs();
    for (const symbol of this.books.symbols()) {
      const book = this.books.book(symbol);
      if (!book || !book.canSignal(now, this.config.trading.orderbookStaleMs)) continue;
      const { metrics } = this.books.metrics(symbol);
      const view = book.view(SNAPSHOT_LEVELS);
      this.queue.push({
        symbol,
        ts: new Date(now),
        bestBid: view.bids[0]?.[0] ?? null,
        bestAsk: view.asks[0]?.[0] ?? null,
        mid: finiteOrNull(metrics.mid),
        spread: finiteOrNull(metrics.spreadAbs),
        imbalance: metrics.imbalance5,
        bidVolume: metrics.bidVolume,
        askVolume: metrics.askVolume,
        bids: JSON.stringify(view.bids),
        asks: JSON.stringify(view.asks),
        metrics: JSON.stringify({
          u: book.u,
          seq: book.seq,
          imbalance10: metrics.imbalance10,
          imbalanceAll: metrics.imbalanceAll,
          microPrice: finiteOrNull(metrics.microPrice),
          spreadRel: finiteOrNull(metrics.spreadRel),
          support: finiteOrNull(metrics.supportPrice),
          resistance: finiteOrNull(metrics.resistancePrice),
        }),
      });
    }
  }

  /** Writes what is queued, in batches; a failed batch goes back to the front of the queue. Never overlaps itself. */
  flush(): Promise<void> {
    this.flushing ??= this.writeQueued().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  status(): HealthIndicatorResult {
    // Informational: a database hiccup shows in the counters (and in the database check), not as a second failure.
    return {
      marketData: {
        status: 'up',
        snapshotsQueued: this.queue.length,
        snapshotsWritten: this.written,
        snapshotsDropped: this.queue.dropped,
        failedBatches: this.failedBatches,
      },
    };
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.take(BATCH_ROWS);
      try {
        await this.insert(batch);
        this.written += batch.length;
      } catch (error) {
        this.failedBatches += 1;
        this.queue.requeueFront(batch);
        this.logger.warn({ err: error, rows: batch.length }, 'snapshot batch failed; kept for the next flush');
        return;
      }
    }
  }

  private async insert(rows: readonly SnapshotRow[]): Promise<void> {
    const values: unknown[] = [];
    const tuples = rows.map((row, i) => {
      values.push(
        row.symbol,
        row.ts,
        row.bestBid,
        row.bestAsk,
        row.mid,
        row.spread,
        row.imbalance,
        row.bidVolume,
        row.askVolume,
        row.bids,
        row.asks,
        row.metrics,
      );
      const base = i * COLUMNS;
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6}, $${base + 7}, $${base + 8}, $${base + 9}, $${base + 10}::jsonb, $${base + 11}::jsonb, $${base + 12}::jsonb)`;
    });
    await this.database.query(
      `INSERT INTO market_data_snapshots (symbol, ts, best_bid, best_ask, mid_price, spread, imbalance, bid_volume, ask_volume, bids, asks, metrics)
       VALUES ${tuples.join(', ')} ON CONFLICT (symbol, ts) DO NOTHING`,
      values,
    );
  }
}
