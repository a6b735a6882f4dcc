import type { Clock } from '../../common/clock';
import type { ExchangeRest, PrivateStream } from '../../exchange/exchange.port';
import type { ExchangeExecution, ExchangeOrder, Unsubscribe } from '../../exchange/exchange.types';
import type { OrderBook } from '../../order-book/domain/order-book';
import type { Signal } from '../../strategy/domain/signal';
import { ExecutionError } from '../execution.errors';
import { EntryExecutor, signalMarket, signalSummary, type SignalOutcome } from './entry-executor';
import { ExchangeReports } from './exchange-reports';
import { ExecutionStatsRecorder } from './execution-stats';
import type { ExecutionEventSink } from './execution-events';
import type { ExecutionStore } from './execution-store';
import { ExitManager, marketContext } from './exit-manager';
import type { ExitReason } from './exit-rules';
import { FillRecorder } from './fill-recorder';
import {
  NO_CRASH_POINTS,
  SILENT_LOG,
  type Actor,
  type BookLookup,
  type CrashPointHook,
  type Delay,
  type ExecutionLog,
  type InstrumentLookup,
  type KernelEnvironment,
  type RiskPort,
  type Stopwatch,
} from './kernel-ports';
import { LivePositions, type LivePosition } from './live-positions';
import { OrderCreateSender } from './order-create-sender';
import type { JsonObject } from './order-vocabulary';
import { PositionLedger } from './position-ledger';
import { isOperationalBlock, TradingPermit } from './trading-permit';

/** REST polling is the fallback: an active order the streams have said nothing about for this long is looked up. */
const QUIET_ORDER_MS = 10_000;

export interface ExecutionKernelSettings {
  /** The symbols this instance trades: pushes for others are ignored, polls and reloads cover only these. */
  readonly pairs: readonly string[];
  /** MAX_HOLD_SECONDS × 1000: an Open position older than this is closed (MAX_HOLD). */
  readonly maxHoldMs: number;
}

/** Everything the kernel talks to. Only these: no framework, no database, no timers of its own. */
export interface ExecutionKernelPorts {
  readonly store: ExecutionStore;
  /** The venue's REST side: creates, look-ups by orderLinkId, executions, positions. */
  readonly venue: ExchangeRest;
  readonly clock: Clock;
  /** Monotonic ms for latency figures; defaults to `clock`. */
  readonly stopwatch?: Stopwatch;
  readonly delay: Delay;
  readonly risk: RiskPort;
  readonly permit: TradingPermit;
  readonly instruments: InstrumentLookup;
  readonly books: BookLookup;
  readonly events: ExecutionEventSink;
  /** Defaults to a new recorder (read it back from kernel.stats). */
  readonly stats?: ExecutionStatsRecorder;
  /** The live picture the hot path and risk read; defaults to a new one (kernel.live). */
  readonly live?: LivePositions;
  readonly crashPoints?: CrashPointHook;
  readonly log?: ExecutionLog;
  readonly settings: ExecutionKernelSettings;
}

/**
 * The execution kernel: signal → risk → write-ahead → send, exits, the exchange's reports driving the order and
 * position state machines, and the per-position queue they run in. The same object drives live trading (Nest
 * adapters bind the ports to PostgreSQL, Bybit, the EventBus and timers) and a backtest (in-memory store,
 * simulated venue, virtual clock and delay).
 */
export function createExecutionKernel(ports: ExecutionKernelPorts): ExecutionKernel {
  return new ExecutionKernel(ports);
}

export class ExecutionKernel {
  readonly live: LivePositions;
  readonly stats: ExecutionStatsRecorder;
  readonly permit: TradingPermit;
  /** The position ledger: serial queue, position transitions, live-picture mirror. */
  readonly ledger: PositionLedger;
  /** Applying the exchange's reports: acks, order pushes, executions, endings found by look-ups. */
  readonly reports: ExchangeReports;
  /** The REST create and the resolution of unknown outcomes (look-ups by orderLinkId). */
  readonly sender: OrderCreateSender;
  readonly entries: EntryExecutor;
  readonly exits: ExitManager;

  private readonly env: KernelEnvironment;
  private readonly store: ExecutionStore;
  private readonly books: BookLookup;
  private readonly pairs: readonly string[];
  private readonly pairSet: ReadonlySet<string>;
  private signalsSeen = 0;
  private readonly outcomes: Record<SignalOutcome, number> = {
    sent: 0,
    rejected: 0,
    duplicate: 0,
    exit: 0,
    ignored: 0,
  };
  private pushesIgnored = 0;
  private polling = false;
  private polled = 0;

  constructor(ports: ExecutionKernelPorts) {
    this.env = {
      clock: ports.clock,
      stopwatch: ports.stopwatch ?? ports.clock,
      delay: ports.delay,
      log: ports.log ?? SILENT_LOG,
      crashPoints: ports.crashPoints ?? NO_CRASH_POINTS,
    };
    this.store = ports.store;
    this.books = ports.books;
    this.permit = ports.permit;
    this.live = ports.live ?? new LivePositions();
    this.stats = ports.stats ?? new ExecutionStatsRecorder();
    this.pairs = ports.settings.pairs;
    this.pairSet = new Set(ports.settings.pairs);
    this.ledger = new PositionLedger(ports.store, this.live, ports.instruments, ports.events, ports.clock);
    const fills = new FillRecorder(
      ports.store,
      this.ledger,
      ports.instruments,
      ports.events,
      ports.risk,
      this.stats,
      this.env,
    );
    this.reports = new ExchangeReports(ports.store, this.ledger, fills, ports.venue, ports.events, this.env);
    this.sender = new OrderCreateSender(ports.venue, this.reports, this.live, this.permit, this.stats, this.env);
    this.entries = new EntryExecutor(
      ports.risk,
      ports.store,
      this.sender,
      this.ledger,
      ports.events,
      this.stats,
      this.env,
    );
    this.exits = new ExitManager(
      ports.store,
      this.ledger,
      this.sender,
      this.permit,
      ports.books,
      ports.events,
      this.env,
      ports.settings.maxHoldMs,
    );
  }

  // ---- hot path ----------------------------------------------------------------------------------------------

  /**
   * A strategy signal. Returns what happened synchronously; the order itself is written and sent asynchronously.
   * `done`, when given, receives the promise of that asynchronous part (tests, benchmarks and backtests await it).
   * `book`: the symbol's book the caller holds (the pipeline's frame); looked up when the caller has none.
   */
  onSignal(signal: Signal, done?: (work: Promise<void>) => void, book?: OrderBook): SignalOutcome {
    this.signalsSeen += 1;
    const outcome = this.decide(signal, done, book);
    this.outcomes[outcome] += 1;
    return outcome;
  }

  private decide(signal: Signal, done?: (work: Promise<void>) => void, book?: OrderBook): SignalOutcome {
    const receivedAt = this.env.stopwatch.nowMs();
    const held = this.live.bySymbol(signal.symbol);
    if (held && held.side !== signal.side) {
      return this.exits.requestClose(held, 'OPPOSITE_SIGNAL', signalMarket(signal), signalSummary(signal))
        ? 'exit'
        : 'ignored';
    }
    const nowMs = this.env.clock.nowMs();
    // The one question of an entry. Closed for the bot's operating state (stopped, reconciling, another
    // instance's lease) it is not a risk rejection: nobody asked for entries, nothing to audit per signal. Closed
    // by a safety rule, the risk check words, counts and publishes the refusal.
    const block = this.permit.entryBlock(signal.symbol, nowMs);
    if (block !== null && isOperationalBlock(block)) return 'ignored';
    return this.entries.enter(signal, book ?? this.books.book(signal.symbol), receivedAt, nowMs, done);
  }

  /** Every book update: take-profit / stop-loss / max-hold of the symbol's open position. */
  onBook(symbol: string, book: OrderBook, nowMs: number): void {
    this.exits.onBook(symbol, book, nowMs);
  }

  /** The max-hold sweep and unknown-exit retries: the adapter calls it on a timer (live every 250 ms). */
  sweepExits(): void {
    this.exits.sweep();
  }

  // ---- exchange reports ----------------------------------------------------------------------------------------

  /** An order report of ours (push or look-up), applied whatever its symbol (recovery calls it too). */
  onExchangeOrder(report: ExchangeOrder, actor: Actor = 'exchange'): Promise<void> {
    return this.reports.onExchangeOrder(report, actor);
  }

  /** An execution of ours (push or look-up); false when already applied or not ours. */
  onExecution(execution: ExchangeExecution, actor: Actor = 'exchange'): Promise<boolean> {
    return this.reports.onExecution(execution, actor);
  }

  /**
   * Routes the venue's private `order` and `execution` pushes into the kernel. Pushes come for the whole account:
   * with several instances on one account, another instance's symbols are its own to track, and without the lease
   * so are ours (the holder's reconciliation, or ours once we hold it, picks up whatever is ignored here).
   */
  connect(stream: PrivateStream): Unsubscribe[] {
    return [
      stream.on('order', (report) => {
        if (!this.mayTrack(report.symbol)) return;
        void this.reports
          .onExchangeOrder(report)
          .catch((e: unknown) =>
            this.env.log.error({ err: e, orderLinkId: report.orderLinkId }, 'order update failed'),
          );
      }),
      stream.on('execution', (execution) => {
        if (!this.mayTrack(execution.symbol)) return;
        void this.reports
          .onExecution(execution)
          .catch((e: unknown) => this.env.log.error({ err: e, execId: execution.execId }, 'execution update failed'));
      }),
    ];
  }

  private mayTrack(symbol: string): boolean {
    if (this.pairSet.has(symbol) && this.permit.leaseHeld) return true;
    this.pushesIgnored += 1;
    return false;
  }

  // ---- closes ----------------------------------------------------------------------------------------------------

  /** Starts closing a live Open position (the exit rules' path); false when it is not Open or exits are blocked. */
  requestClose(
    position: LivePosition,
    reason: ExitReason,
    market: JsonObject | null,
    signal: JsonObject | null = null,
    actor: 'bot' | 'operator' = 'bot',
  ): boolean {
    return this.exits.requestClose(position, reason, market, signal, actor);
  }

  /**
   * An operator's close: the same exit path as the rules, reason MANUAL. POSITION_NOT_FOUND only for an id that
   * was never a position; one that is no longer live (closed, even a moment ago) is POSITION_NOT_OPEN.
   */
  async closePosition(id: string): Promise<{ readonly id: string; readonly symbol: string }> {
    const position = this.live.byId(id);
    if (!position) {
      const stored = await this.store.positionById(id);
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

  // ---- the REST fallback and the live picture ---------------------------------------------------------------------

  /**
   * The fallback for lost pushes and unknown outcomes: active orders quiet for 10 s are asked for by orderLinkId;
   * a Pending one the exchange does not know (and that is not on the wire) is marked Failed. The adapter calls it
   * on a timer (live every 5 s).
   */
  async pollQuietOrders(): Promise<number> {
    if (this.polling || this.permit.paused === 'reconciling') return 0;
    this.polling = true;
    let looked = 0;
    try {
      for (const order of await this.store.quietActiveOrders(this.env.clock.nowMs() - QUIET_ORDER_MS, this.pairs)) {
        if (this.sender.isSending(order.clientOrderId)) continue;
        looked += 1;
        const { outcome } = await this.sender.syncOrder(order, 'bot');
        if (outcome === 'missing' && order.status === 'Pending')
          await this.reports.markNeverSent(order, 'not on the exchange (REST poll)', 'bot');
        else if (outcome === 'missing')
          await this.reports.markVanished(order, 'no longer known to the exchange (REST poll)', 'bot');
      }
    } catch (error) {
      this.env.log.warn({ err: error }, 'polling quiet orders failed; next round in 5 s');
    } finally {
      this.polling = false;
      this.polled += looked;
    }
    return looked;
  }

  /** Rebuilds the live picture of this instance's positions from the store (after reconciliation). */
  async reloadLivePositions(): Promise<void> {
    const open = await this.store.livePositions(this.pairs);
    this.live.clearPositions();
    for (const position of open) this.ledger.remember(position);
  }

  /** Resolves when every queued order/position update has been applied (tests, shutdown, end of a backtest). */
  drain(): Promise<void> {
    return this.ledger.drain();
  }

  counters(): Readonly<Record<string, number>> {
    const summary = this.stats.summary();
    return {
      signals: this.signalsSeen,
      orders_sent: summary.sent,
      send_failures: summary.sendFailures,
      duplicates_suppressed: summary.duplicatesSuppressed,
      exits_requested: this.exits.requested,
      live_positions: this.live.size,
      pending_entries: this.live.pendingEntries,
      orders_polled: this.polled,
      pushes_ignored: this.pushesIgnored,
    };
  }

  signalOutcomes(): Readonly<Record<SignalOutcome, number>> {
    return { ...this.outcomes };
  }
}
