import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { BotLifecycleService } from '../bot/bot-lifecycle.service';
import { TradingPipeline } from '../bot/trading-pipeline';
import { Clock } from '../common/clock';
import { ExchangeConnectionService } from '../exchange/exchange-connection.service';
import { ExecutionStatsRecorder } from '../execution/domain/execution-stats';
import { ExecutionReadService } from '../execution/execution-read.service';
import { DashboardHub } from '../gateway/dashboard-hub.service';
import { EventBus } from '../infra/events/event-bus';
import { OrderBookService } from '../order-book/order-book.service';
import { RiskStatusQuery } from '../risk/risk-status.query';
import { DeferredCounter, MetricsRegistry, syncCounter } from './metrics.registry';

const BREAKER_STATES = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;

/**
 * Feeds the registry from three sources, none of which puts work on the trading path beyond a counter
 * increment: the domain events (signals, rejections, orders, positions, reconciliation), two timing hooks
 * (feature computation, execution latencies) and, at scrape time, the services' own status (books, risk,
 * breakers, limiters, pool, /ws, audit).
 *
 * Fourteen dependencies, twice the usual bound, on purpose: a metrics collector reads every subsystem's status and
 * nothing else does; each is one read source of the scrape, and splitting it per source would only spread one
 * registration list over many files.
 */
@Injectable()
export class TradingMetricsCollector implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TradingMetricsCollector.name);
  private readonly unsubscribes: Array<() => void> = [];
  private readonly seen = new Map<string, number>();
  /** Book updates per symbol, counted in the book listener and handed to the counter at scrape time. */
  private readonly bookUpdates = new Map<string, { n: number }>();
  private realisedPnlUsdt = 0;
  /** The per-event counters of the trading path, handed to prom-client at scrape time (refresh). */
  private readonly signals: DeferredCounter<'symbol' | 'side'>;
  private readonly riskRejections: DeferredCounter<'reason'>;
  private readonly orders: DeferredCounter<'symbol' | 'status' | 'error_code'>;
  private readonly positionsClosed: DeferredCounter<'symbol' | 'exit_reason'>;

  constructor(
    private readonly metrics: MetricsRegistry,
    private readonly events: EventBus,
    private readonly books: OrderBookService,
    private readonly pipeline: TradingPipeline,
    private readonly executionStats: ExecutionStatsRecorder,
    private readonly executionRead: ExecutionReadService,
    private readonly exchange: ExchangeConnectionService,
    private readonly risk: RiskStatusQuery,
    private readonly bot: BotLifecycleService,
    private readonly audit: AuditService,
    private readonly gateway: DashboardHub,
    private readonly clock: Clock,
    private readonly adapterHost: HttpAdapterHost,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.signals = new DeferredCounter(metrics.signals, ['symbol', 'side']);
    this.riskRejections = new DeferredCounter(metrics.riskRejections, ['reason']);
    this.orders = new DeferredCounter(metrics.orders, ['symbol', 'status', 'error_code']);
    this.positionsClosed = new DeferredCounter(metrics.positionsClosed, ['symbol', 'exit_reason']);
  }

  onModuleInit(): void {
    this.observeHttp();
    this.metrics.realisedPnl.set(0);
    this.instrument(true);
  }

  onModuleDestroy(): void {
    this.instrument(false);
  }

  /**
   * Attaches (or detaches) the trading instrumentation: event subscribers and the timing hooks. The benchmarks
   * switch it per signal to measure what metrics cost the hot path within one run.
   */
  instrument(on: boolean): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.executionStats.observe(null);
    this.pipeline.timeFeatures(null);
    if (!on) return;
    const m = this.metrics;
    this.unsubscribes.push(
      this.books.onUpdated((symbol) => {
        let counter = this.bookUpdates.get(symbol);
        if (counter === undefined) {
          counter = { n: 0 };
          this.bookUpdates.set(symbol, counter);
        }
        counter.n += 1;
      }),
      this.events.on('signal.generated', ({ signal }) => this.signals.inc(signal.symbol, signal.side)),
      this.events.on('risk.rejected', ({ code }) => this.riskRejections.inc(code)),
      this.events.on('order.created', ({ order }) => this.orders.inc(order.symbol, order.status, 'none')),
      this.events.on('order.status-changed', ({ order, error }) =>
        this.orders.inc(order.symbol, order.status, errorCodeOf(error)),
      ),
      this.events.on('position.closed', ({ position }) => {
        this.positionsClosed.inc(position.symbol, position.exitReason ?? 'unknown');
        const pnl = Number(position.realizedPnl);
        if (Number.isFinite(pnl)) this.realisedPnlUsdt += pnl;
        m.realisedPnl.set(this.realisedPnlUsdt);
      }),
      this.events.on('recovery.completed', ({ trigger, success }) =>
        m.reconciliationRuns.inc({ trigger, result: success ? 'success' : 'failure' }),
      ),
      this.events.on('recovery.discrepancy-fixed', ({ kind }) => m.reconciliationFixes.inc({ kind })),
    );
    const ms = 1 / 1000;
    this.executionStats.observe({
      signalToSend: (v) => m.signalToSend.observe(v * ms),
      signalToAck: (v) => m.signalToAck.observe(v * ms),
      signalToFirstFill: (v) => m.signalToFirstFill.observe(v * ms),
      entrySlippage: (bps) => m.entrySlippage.observe(bps),
      writeAheadCommit: (v) => m.writeAheadCommit.observe(v * ms),
    });
    this.pipeline.timeFeatures((seconds) => m.featureCompute.observe(seconds));
  }

  /** Brings the scrape-time series up to date; a source that fails leaves its series as they were. */
  async refresh(): Promise<void> {
    for (const counter of [this.signals, this.riskRejections, this.orders, this.positionsClosed]) counter.flush();
    this.refreshBooks();
    this.refreshExchange();
    this.refreshLocal();
    await Promise.all([this.refreshRisk(), this.refreshUnrealised()]);
  }

  private refreshBooks(): void {
    const nowMs = this.clock.nowMs();
    for (const symbol of this.books.symbols()) {
      syncCounter(this.metrics.bookMessages, this.seen, { symbol }, this.bookUpdates.get(symbol)?.n ?? 0);
      const book = this.books.book(symbol);
      if (!book) continue;
      syncCounter(this.metrics.bookResyncs, this.seen, { symbol, cause: 'gap' }, book.gaps);
      syncCounter(this.metrics.bookResyncs, this.seen, { symbol, cause: 'crossed' }, book.crossings);
      if (book.lastUpdateMs > 0)
        this.metrics.bookStaleness.set({ symbol }, Math.max(0, nowMs - book.lastUpdateMs) / 1000);
    }
  }

  private refreshExchange(): void {
    const { counters } = this.exchange.status();
    syncCounter(this.metrics.wsReconnects, this.seen, { stream: 'public' }, counters.public_reconnects ?? 0);
    syncCounter(this.metrics.wsReconnects, this.seen, { stream: 'private' }, counters.private_reconnects ?? 0);
  }

  private refreshLocal(): void {
    this.metrics.botRunning.set(this.bot.status().state === 'running' ? 1 : 0);
    syncCounter(this.metrics.auditWriteFailures, this.seen, {}, this.audit.writeFailures);
    const ws = this.gateway.stats();
    this.metrics.wsClients.set(ws.clients);
    syncCounter(this.metrics.wsDropped, this.seen, {}, ws.dropped);
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    if (pool) {
      this.metrics.dbPoolInUse.set(pool.totalCount - pool.idleCount);
      this.metrics.dbPoolWaiting.set(pool.waitingCount);
    }
  }

  private async refreshRisk(): Promise<void> {
    try {
      const status = await this.risk.status();
      const m = this.metrics;
      m.openPositions.set(status.usage.openPositions);
      m.exposure.set({ kind: 'open' }, status.usage.openExposureUsdt);
      m.exposure.set({ kind: 'pending' }, status.usage.pendingExposureUsdt);
      m.dailyRealisedPnl.set(status.usage.dailyRealisedPnlUsdt);
      m.dailyLossLimit.set(status.usage.maxDailyLossUsdt);
      m.killSwitch.set(status.killSwitch.active ? 1 : 0);
      for (const breaker of status.circuitBreakers)
        for (const state of BREAKER_STATES)
          m.breakerState.set({ group: breaker.group, state }, breaker.state === state ? 1 : 0);
      for (const limiter of status.rateLimits) {
        if (limiter.tokensLeft !== null) m.limiterTokens.set({ group: limiter.group }, limiter.tokensLeft);
        m.limiterQueued.set({ group: limiter.group }, limiter.queued);
      }
    } catch (error: unknown) {
      this.logger.warn({ err: error }, 'metrics: risk status unavailable');
    }
  }

  private async refreshUnrealised(): Promise<void> {
    try {
      const { totalUnrealizedPnl } = await this.executionRead.positionsByStatus();
      this.metrics.unrealisedPnl.set(Number(totalUnrealizedPnl));
    } catch (error: unknown) {
      this.logger.warn({ err: error }, 'metrics: open positions unavailable');
    }
  }

  /** Duration per route pattern (bounded), never per raw URL; unmatched paths share one label. */
  private observeHttp(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const histogram = this.metrics.httpDuration;
    fastify.addHook('onResponse', (request, reply, done) => {
      histogram.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}

/** The Bybit retCode of a rejected order ("Bybit 110007: …"), the HTTP status, or "other"; "none" without error. */
export function errorCodeOf(error: string | undefined): string {
  if (error === undefined) return 'none';
  const match = /^Bybit (?:HTTP )?(\d{3,6})\b/.exec(error);
  return match ? match[1] : 'other';
}
