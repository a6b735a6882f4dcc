import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ExchangeRest, PrivateStream } from '../exchange/exchange.port';
import type { ExchangeExecution, ExchangeOrder, WalletBalance } from '../exchange/exchange.types';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import type { OrderBook } from '../order-book/domain/order-book';
import { OrderBookService } from '../order-book/order-book.service';
import type { Signal } from '../strategy/domain/signal';
import { ExecutionStatsRecorder } from './domain/execution-stats';
import { LivePositions } from './domain/live-positions';
import { TradingPermit } from './domain/trading-permit';
import { EntryExecutor, SignalOutcome } from './entry-executor.service';
import { ExitManager, marketContext } from './exit-manager.service';
import { ExecutionError } from './execution.errors';
import { OrderRepository } from './order.repository';
import { OrderTracker } from './order-tracker.service';
import { PositionRepository } from './position.repository';

/** Same shape as bot/domain/bot-participant.ts ParticipantStatus (structural: execution does not import bot). */
export interface ExecutionParticipantStatus {
  readonly state: string;
  readonly counters: Readonly<Record<string, number>>;
  readonly details: Readonly<Record<string, unknown>>;
}

const WALLET_MAX_AGE_MS = 5000;
/** REST polling is the fallback: an active order the streams have said nothing about for this long is looked up. */
const QUIET_ORDER_MS = 10_000;
const POLL_INTERVAL_MS = 5000;

/**
 * The execution module's face to the rest of the bot: the hot-path callbacks the trading pipeline calls
 * (onSignal, onBook), the private-stream wiring, the bot participant (start/stop enable new entries), and the
 * live picture's reload for reconciliation. The work itself lives in EntryExecutor, ExitManager and OrderTracker.
 */
@Injectable()
export class ExecutionService implements OnModuleInit, OnModuleDestroy {
  readonly name = 'execution';
  private readonly logger = new Logger(ExecutionService.name);
  private readonly unsubscribes: Array<() => void> = [];
  private wallet: { readonly balance: WalletBalance; readonly atMs: number } | null = null;
  private signalsSeen = 0;
  private poller: NodeJS.Timeout | null = null;
  private polling = false;
  private polled = 0;
  private readonly outcomes: Record<SignalOutcome, number> = {
    sent: 0,
    rejected: 0,
    duplicate: 0,
    exit: 0,
    ignored: 0,
  };
  private readonly pairs: readonly string[];
  private readonly pairSet: ReadonlySet<string>;
  private pushesIgnored = 0;

  constructor(
    private readonly entries: EntryExecutor,
    private readonly exits: ExitManager,
    private readonly tracker: OrderTracker,
    private readonly live: LivePositions,
    private readonly orders: OrderRepository,
    private readonly positions: PositionRepository,
    private readonly privateStream: PrivateStream,
    private readonly rest: ExchangeRest,
    private readonly stats: ExecutionStatsRecorder,
    private readonly books: OrderBookService,
    private readonly clock: Clock,
    private readonly permit: TradingPermit,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.pairs = config.trading.pairs;
    this.pairSet = new Set(config.trading.pairs);
  }

  onModuleInit(): void {
    this.unsubscribes.push(
      this.privateStream.on('order', (report) => this.onOrderPush(report)),
      this.privateStream.on('execution', (execution) => this.onExecutionPush(execution)),
      this.privateStream.on('wallet', (balance) => this.rememberWallet(balance)),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.exits.deactivate();
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }

  /**
   * The fallback for lost pushes and unknown outcomes: active orders quiet for QUIET_ORDER_MS are asked for by
   * orderLinkId; a Pending one the exchange does not know (and that is not on the wire) is marked Failed.
   */
  async pollQuietOrders(): Promise<number> {
    if (this.polling || this.permit.paused === 'reconciling') return 0;
    this.polling = true;
    let looked = 0;
    try {
      for (const order of await this.orders.findQuietActive(
        new Date(this.clock.nowMs() - QUIET_ORDER_MS),
        this.pairs,
      )) {
        if (this.tracker.isSending(order.clientOrderId)) continue;
        looked += 1;
        const { outcome } = await this.tracker.syncOrder(order, 'bot');
        if (outcome === 'missing' && order.status === 'Pending')
          await this.tracker.markNeverSent(order, 'not on the exchange (REST poll)', 'bot');
        else if (outcome === 'missing')
          await this.tracker.markVanished(order, 'no longer known to the exchange (REST poll)', 'bot');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'polling quiet orders failed; next round in 5 s');
    } finally {
      this.polling = false;
      this.polled += looked;
    }
    return looked;
  }

  // ---- hot path --------------------------------------------------------------------------------------------

  /** `book`: the symbol's book the caller holds (the pipeline's frame); looked up when the caller has none. */
  onSignal(signal: Signal, done?: (work: Promise<void>) => void, book?: OrderBook): SignalOutcome {
    this.signalsSeen += 1;
    const outcome = this.entries.onSignal(signal, book ?? this.books.book(signal.symbol), done);
    this.outcomes[outcome] += 1;
    return outcome;
  }

  onBook(symbol: string, book: OrderBook, nowMs: number): void {
    this.exits.onBook(symbol, book, nowMs);
  }

  // ---- bot participant -------------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.permit.setWanted(true);
  }

  async stop(): Promise<void> {
    this.permit.setWanted(false);
  }

  status(): ExecutionParticipantStatus {
    const summary = this.stats.summary();
    return {
      state: this.permit.trading ? 'trading' : this.permit.paused ? 'paused' : 'entries-off',
      counters: {
        signals: this.signalsSeen,
        orders_sent: summary.sent,
        send_failures: summary.sendFailures,
        duplicates_suppressed: summary.duplicatesSuppressed,
        exits_requested: this.exits.requested,
        live_positions: this.live.size,
        pending_entries: this.live.pendingEntries,
        orders_polled: this.polled,
        pushes_ignored: this.pushesIgnored,
      },
      details: { paused: this.permit.paused, signalOutcomes: { ...this.outcomes } },
    };
  }

  // ---- reconciliation hooks ----------------------------------------------------------------------------------

  /** No new entries (and no exits) while the database and the exchange are being compared. */
  pauseForReconciliation(): void {
    this.permit.suspend('reconciling');
    this.exits.deactivate();
  }

  /**
   * Rebuilds the live picture from the database, then grants the trading gate for the lease acquisition
   * `generation` the reconciliation ran under: entries (if the bot is started) and exits run again, unless the
   * lease went (or changed hands) while this awaited. Returns whether trading resumed.
   */
  async resumeAfterReconciliation(generation: number, leverage?: number): Promise<boolean> {
    const open = await this.positions.findOpen({ symbols: this.pairs });
    this.live.clearPositions();
    for (const position of open) this.tracker.remember(position);
    await this.refreshWallet(leverage).catch((e: unknown) => this.logger.warn({ err: e }, 'wallet refresh failed'));
    if (!this.permit.grant(generation)) return false;
    this.exits.activate();
    if (!this.poller) {
      this.poller = setInterval(() => void this.pollQuietOrders(), POLL_INTERVAL_MS);
      this.poller.unref();
    }
    return true;
  }

  /** Waits for every queued order/position update (tests, shutdown). */
  drain(): Promise<void> {
    return this.tracker.drain();
  }

  /**
   * An operator's close: the same exit path as the rules, reason MANUAL. POSITION_NOT_FOUND only for an id that
   * was never a position; one that is no longer live (closed, even a moment ago) is POSITION_NOT_OPEN.
   */
  async closePosition(id: string): Promise<{ readonly id: string; readonly symbol: string }> {
    const position = this.live.byId(id);
    if (!position) {
      const stored = await this.positions.findById(id);
      if (!stored) throw new ExecutionError('POSITION_NOT_FOUND', `No position ${id}`, { id });
      throw new ExecutionError(
        'POSITION_NOT_OPEN',
        `Position ${id} is ${stored.status}; only an Open position can be closed`,
        { id, status: stored.status },
      );
    }
    const book = this.books.book(position.symbol);
    if (
      position.status !== 'Open' ||
      !this.exits.requestClose(position, 'MANUAL', book ? marketContext(book) : null, null, 'operator')
    ) {
      throw new ExecutionError(
        'POSITION_NOT_OPEN',
        `Position ${id} is ${position.status}${position.status === 'Open' ? ' (exits are paused while reconciling)' : ''}; only an Open position can be closed`,
        { id, status: position.status },
      );
    }
    return { id: position.id, symbol: position.symbol };
  }

  // ---- private-stream pushes ----------------------------------------------------------------------------------

  /**
   * Pushes come for the whole account: with several instances on one account, another instance's symbols are
   * its own to track, and without the lease so are ours (the holder's reconciliation, or ours once we hold it,
   * picks up whatever is ignored here).
   */
  private mayTrack(symbol: string): boolean {
    if (this.pairSet.has(symbol) && this.permit.leaseHeld) return true;
    this.pushesIgnored += 1;
    return false;
  }

  private onOrderPush(report: ExchangeOrder): void {
    if (!this.mayTrack(report.symbol)) return;
    void this.tracker
      .onExchangeOrder(report)
      .catch((e: unknown) => this.logger.error({ err: e, orderLinkId: report.orderLinkId }, 'order update failed'));
  }

  private onExecutionPush(execution: ExchangeExecution): void {
    if (!this.mayTrack(execution.symbol)) return;
    void this.tracker
      .onExecution(execution)
      .catch((e: unknown) => this.logger.error({ err: e, execId: execution.execId }, 'execution update failed'));
  }

  /** The last successful reconciliation ran under the lease acquisition held now. */
  get reconciled(): boolean {
    return this.permit.reconciled;
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  async walletBalance(): Promise<{ readonly balance: WalletBalance; readonly atMs: number }> {
    if (!this.wallet || this.clock.nowMs() - this.wallet.atMs > WALLET_MAX_AGE_MS) await this.refreshWallet();
    return this.wallet!;
  }

  private async refreshWallet(leverage?: number): Promise<void> {
    this.rememberWallet(await this.rest.getWalletBalance('USDT'), leverage);
  }

  private rememberWallet(balance: WalletBalance, leverage?: number): void {
    this.wallet = { balance, atMs: this.clock.nowMs() };
    const usdt = balance.coins.find((c) => c.coin === 'USDT');
    const available = Number(
      balance.totalAvailableBalance || (usdt ? Number(usdt.walletBalance) - Number(usdt.locked) : NaN),
    );
    this.live.setBalance(Number.isFinite(available) ? available : null, leverage);
  }
}
