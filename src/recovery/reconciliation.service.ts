import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { matchPositions } from './domain/position-matching';
import { isPositiveDecimal } from '../common/money';
import { toUnits, fromUnits } from '../common/ticks';
import { ExchangeConnectionService } from '../exchange/exchange-connection.service';
import { ExchangeRest, PrivateStream } from '../exchange/exchange.port';
import type { ExchangeOrder, ExchangePosition } from '../exchange/exchange.types';
import { InstrumentsService } from '../exchange/instruments.service';
import { CrashInjector } from '../execution/crash-injector';
import { OrderStateMachine } from '../execution/domain/order.fsm';
import { PositionStateMachine } from '../execution/domain/position.fsm';
import type { OrderEntity } from '../execution/entities/order.entity';
import type { PositionEntity } from '../execution/entities/position.entity';
import { ExecutionService } from '../execution/execution.service';
import { OrderRepository } from '../execution/order.repository';
import { OrderTracker } from '../execution/order-tracker.service';
import { PositionRepository } from '../execution/position.repository';
import { TradeRepository } from '../execution/trade.repository';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { EventBus } from '../infra/events/event-bus';
import { withTrace, currentTraceId } from '../infra/tracing/trace-context';
import { SymbolOwnershipService } from '../ownership/symbol-ownership.service';
import { exitPrices } from '../risk/domain/order-sizing';
import { DiscrepancyKind, RecoveryEvents } from './recovery.events';

type Trigger = RecoveryEvents['recovery.completed']['trigger'];

export interface ReconciliationSummary {
  readonly trigger: Trigger;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly success: boolean;
  readonly error?: string;
  readonly checked: {
    readonly orders: number;
    readonly exchangeOpenOrders: number;
    readonly executions: number;
    readonly positions: number;
  };
  readonly fixes: Partial<Record<DiscrepancyKind, number>>;
}

/** Fills older than the newest recorded one are asked for again with this margin (clock skew, same-ms fills). */
const EXECUTION_OVERLAP_MS = 5 * 60_000;
/** With no fill recorded yet, how far back to ask. */
const FIRST_RUN_LOOKBACK_MS = 24 * 60 * 60_000;
const RETRY_DELAY_MS = 5000;
const BOOT_POLL_MS = 200;

/**
 * Makes the database agree with the exchange (SPEC §9): at boot (once the exchange is connected), before the bot
 * starts trading, and after every private-stream reconnect. While it runs, execution takes no entries and sends
 * no exits. Each discrepancy is repaired through the state machines (via OrderTracker, the same code the live
 * streams use) and published for the audit trail; the run's summary is logged, audited and shown on /bot/status.
 */
@Injectable()
export class ReconciliationService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  readonly name = 'recovery';
  private readonly logger = new Logger(ReconciliationService.name);
  private running: Promise<ReconciliationSummary> | null = null;
  private again: Trigger | null = null;
  private last: ReconciliationSummary | null = null;
  private runs = 0;
  private totalFixes = 0;
  private timer: NodeJS.Timeout | null = null;
  private destroyed = false;
  private unsubscribe: (() => void) | null = null;
  private fixedThisRun = 0;
  /** The first run has been triggered (the exchange was connected); before that, acquiring the lease waits for it. */
  private booted = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connection: ExchangeConnectionService,
    private readonly rest: ExchangeRest,
    private readonly privateStream: PrivateStream,
    private readonly instruments: InstrumentsService,
    private readonly execution: ExecutionService,
    private readonly tracker: OrderTracker,
    private readonly orders: OrderRepository,
    private readonly positions: PositionRepository,
    private readonly trades: TradeRepository,
    private readonly events: EventBus,
    private readonly crash: CrashInjector,
    private readonly clock: Clock,
    private readonly ownership: SymbolOwnershipService,
  ) {}

  onModuleInit(): void {
    this.execution.pauseForReconciliation();
    // Every (re)connect passes through 'connecting' (authentication), so `previous` cannot tell a reconnect from the
    // first connect: remember that the connection was lost (not stopped on purpose) and reconcile on the next connect.
    let lost = false;
    const unsubscribeStream = this.privateStream.on('connection', (change) => {
      if (change.state === 'connected') {
        // Pushes sent while the socket was down are lost: ask the exchange what happened meanwhile.
        if (lost) this.trigger('reconnect');
        lost = false;
      } else if (
        change.state === 'reconnecting' ||
        change.state === 'auth-failed' ||
        (change.state === 'disconnected' && change.reason !== 'stopped')
      ) {
        lost = true;
      }
    });
    const unsubscribeOwnership = this.events.on('ownership.changed', (change) => {
      if (change.state === 'lost') {
        // Another instance may take the symbols over: stop at once, and reconcile before trading them again.
        this.execution.pauseForReconciliation();
      } else if (this.booted) {
        this.trigger('ownership');
      }
    });
    this.unsubscribe = () => {
      unsubscribeStream();
      unsubscribeOwnership();
    };
  }

  /** The first run waits for the exchange connection (opened in the background at boot). */
  onApplicationBootstrap(): void {
    const waitForExchange = () => {
      if (this.destroyed) return;
      if (this.connection.status().state === 'stopped') {
        this.timer = setTimeout(waitForExchange, BOOT_POLL_MS);
        return;
      }
      this.booted = true;
      this.trigger('startup');
    };
    waitForExchange();
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }

  // ---- bot participant: trading starts only after a successful reconciliation --------------------------------

  async start(): Promise<void> {
    if (this.running) await this.running;
    if (this.last?.success && !this.isStale()) return;
    const summary = await this.reconcile('manual');
    if (!summary.success) throw new Error(`reconciliation failed: ${summary.error}`);
  }

  async stop(): Promise<void> {
    // Nothing to stop: reconciliation keeps the picture right whether or not the bot trades.
  }

  status(): { state: string; counters: Record<string, number>; details: Record<string, unknown> } {
    return {
      state: this.running
        ? 'reconciling'
        : !this.ownership.ownsAll()
          ? 'waiting-for-ownership'
          : !this.last
            ? 'pending'
            : this.last.success && !this.isStale()
              ? 'reconciled'
              : 'failed',
      counters: { runs: this.runs, fixes: this.totalFixes },
      details: { last: this.last },
    };
  }

  /**
   * Runs now, or once more after the run in progress (a reconnect during a run must not be lost). Without the
   * symbol lease nothing runs: the instance that holds it reconciles, and acquiring it triggers a run here.
   */
  trigger(trigger: Trigger): void {
    if (!this.ownership.ownsAll()) return;
    if (this.running) {
      this.again = trigger;
      return;
    }
    void this.reconcile(trigger);
  }

  reconcile(trigger: Trigger): Promise<ReconciliationSummary> {
    if (this.running) return this.running;
    const run = withTrace('recovery.reconcile', () => this.run(trigger), { trigger }).finally(() => {
      this.running = null;
      const next = this.again;
      this.again = null;
      if (next && !this.destroyed) this.trigger(next);
      else if (this.last && !this.last.success && !this.destroyed && this.ownership.ownsAll()) {
        this.timer = setTimeout(() => this.trigger(this.last?.trigger ?? 'startup'), RETRY_DELAY_MS);
        this.timer.unref();
      }
    });
    this.running = run;
    return run;
  }

  /** The lease was lost (and maybe taken again) since the last successful run. */
  private isStale(): boolean {
    return !this.execution.reconciled;
  }

  // ---- the run -----------------------------------------------------------------------------------------------

  private async run(trigger: Trigger): Promise<ReconciliationSummary> {
    const started = this.clock.nowMs();
    const fixes: Partial<Record<DiscrepancyKind, number>> = {};
    const checked = { orders: 0, exchangeOpenOrders: 0, executions: 0, positions: 0 };
    this.fixedThisRun = 0;
    this.execution.pauseForReconciliation();
    // The lease may go while this runs (and even come back, after another instance's turn): the run stops at the
    // next step, and trading resumes only under the acquisition it started with.
    const generation = this.ownership.generation;
    const stillOwned = () => this.ownership.ownsAll() && this.ownership.generation === generation;
    const leaseGone = () => new Error(this.ownership.whyNotOwned() ?? 'the symbol lease changed hands during the run');
    const steps = [
      () => this.reconcileDatabaseOrders(fixes, checked),
      () => this.reconcileExecutions(fixes, checked),
      () => this.adoptUnknownExchangeOrders(fixes, checked),
    ];
    let summary: ReconciliationSummary;
    try {
      for (const step of steps) {
        if (!stillOwned()) throw leaseGone();
        await step();
      }
      if (!stillOwned()) throw leaseGone();
      const leverage = await this.reconcilePositions(fixes, checked);
      await this.execution.drain();
      if (!(await this.execution.resumeAfterReconciliation(generation, leverage))) throw leaseGone();
      summary = {
        trigger,
        startedAt: new Date(started).toISOString(),
        durationMs: this.clock.nowMs() - started,
        success: true,
        checked,
        fixes,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      summary = {
        trigger,
        startedAt: new Date(started).toISOString(),
        durationMs: this.clock.nowMs() - started,
        success: false,
        error: message,
        checked,
        fixes,
      };
      this.logger.error({ err: error, trigger }, 'reconciliation failed; entries stay paused and it is retried');
    }
    this.runs += 1;
    this.last = summary;
    const count = Object.values(fixes).reduce((a, b) => a + (b ?? 0), 0);
    this.totalFixes += count;
    this.logger.log(
      { ...summary },
      `reconciliation (${trigger}) ${summary.success ? 'done' : 'failed'}: ${count} fix(es) in ${summary.durationMs} ms`,
    );
    this.events.publish('recovery.completed', {
      traceId: currentTraceId(),
      trigger,
      durationMs: summary.durationMs,
      fixes,
      success: summary.success,
      error: summary.error,
    });
    return summary;
  }

  /** Every order the database thinks may still trade, looked up by orderLinkId. */
  private async reconcileDatabaseOrders(fixes: Fixes, checked: Checked): Promise<void> {
    for (const order of await this.orders.findAllOpen(this.config.trading.pairs)) {
      if (this.tracker.isSending(order.clientOrderId)) continue;
      checked.orders += 1;
      const { outcome, missedFills } = await this.tracker.syncOrder(order, 'recovery');
      if (missedFills > 0)
        this.fixed(
          fixes,
          'MISSED_FILL',
          'order',
          order,
          { filledQuantity: order.filledQuantity },
          { fills: missedFills },
          `${missedFills} fill(s) applied from the exchange`,
        );
      if (outcome === 'missing') {
        if (order.status === 'Pending') {
          if (
            await this.tracker.markNeverSent(order, 'never reached the exchange (not found by orderLinkId)', 'recovery')
          ) {
            this.fixed(
              fixes,
              'ORDER_NEVER_SENT',
              'order',
              order,
              { status: 'Pending' },
              { status: 'Failed' },
              'Pending order unknown to the exchange',
            );
          }
        } else if (await this.tracker.markVanished(order, 'no longer known to the exchange', 'recovery')) {
          this.fixed(
            fixes,
            'ORDER_STATUS_DRIFT',
            'order',
            order,
            { status: order.status },
            { status: 'Cancelled' },
            'order unknown to the exchange',
          );
        }
        continue;
      }
      const after = await this.orders.findById(order.id);
      if (after && after.status !== order.status) {
        this.fixed(
          fixes,
          'ORDER_STATUS_DRIFT',
          'order',
          order,
          { status: order.status },
          { status: after.status, exchangeOrderId: after.exchangeOrderId },
          `exchange reports ${after.status}`,
        );
      }
    }
  }

  /** Fills of our orders that happened while the bot was down or disconnected (any order, finished or not). */
  private async reconcileExecutions(fixes: Fixes, checked: Checked): Promise<void> {
    for (const symbol of this.config.trading.pairs) {
      const last = await this.trades.lastExecutedAt(symbol);
      const since = last ? last.getTime() - EXECUTION_OVERLAP_MS : this.clock.nowMs() - FIRST_RUN_LOOKBACK_MS;
      let cursor: string | undefined;
      do {
        const page = await this.rest.getExecutions({ symbol, startTime: since, limit: 100, cursor });
        for (const execution of [...page.items].sort((a, b) => a.execTime - b.execTime || a.seq - b.seq)) {
          checked.executions += 1;
          if (await this.tracker.onExecution(execution, 'recovery')) {
            this.fixed(
              fixes,
              'MISSED_FILL',
              'trade',
              null,
              null,
              {
                execId: execution.execId,
                orderLinkId: execution.orderLinkId,
                price: execution.execPrice,
                qty: execution.execQty,
              },
              'execution missed while away',
              symbol,
            );
          }
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
  }

  /** Open orders on the exchange with no row here (matched by orderLinkId): written, then synced. */
  private async adoptUnknownExchangeOrders(fixes: Fixes, checked: Checked): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.rest.getOpenOrders({ limit: 50, cursor });
      for (const report of page.items) {
        checked.exchangeOpenOrders += 1;
        if (!this.config.trading.pairs.includes(report.symbol)) continue;
        if (report.orderLinkId && (await this.orders.findByClientOrderId(report.orderLinkId))) continue;
        const adopted = await this.adopt(report);
        if (adopted)
          this.fixed(
            fixes,
            'ORDER_UNKNOWN_TO_DB',
            'order',
            adopted,
            null,
            { status: report.status, orderId: report.orderId },
            'open on the exchange, unknown here: adopted',
          );
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  private async adopt(report: ExchangeOrder): Promise<OrderEntity | null> {
    if (!report.orderLinkId) {
      // Without an orderLinkId (an order placed by hand in the exchange's UI) there is no key to write it under.
      this.logger.warn(
        { orderId: report.orderId, symbol: report.symbol },
        'open exchange order without orderLinkId left alone',
      );
      return null;
    }
    const atMs = this.clock.nowMs();
    const order = await this.orders.insertPending({
      clientOrderId: report.orderLinkId,
      symbol: report.symbol,
      side: report.side,
      orderType: report.orderType === 'Limit' ? 'Limit' : 'Market',
      timeInForce: (['GTC', 'IOC', 'FOK', 'PostOnly'] as const).find((t) => t === report.timeInForce) ?? 'GTC',
      quantity: report.qty,
      price: report.orderType === 'Limit' ? report.price : null,
      reduceOnly: report.reduceOnly,
      reason: 'adopted by reconciliation',
      traceId: currentTraceId() ?? null,
      stateHistory: OrderStateMachine.create({ cause: 'adopted by reconciliation', atMs, traceId: currentTraceId() })
        .history,
    });
    await this.tracker.syncOrder(order, 'recovery');
    return order;
  }

  /** Position size, side and price as the exchange has them; returns the account's leverage when known. */
  private async reconcilePositions(fixes: Fixes, checked: Checked): Promise<number | undefined> {
    const match = matchPositions(
      await this.rest.getPositions(),
      await this.positions.findOpen({ symbols: this.config.trading.pairs }),
      new Set((await this.orders.findAllOpen(this.config.trading.pairs)).map((o) => o.positionId)),
      this.config.trading.pairs,
    );
    checked.positions += match.checked;
    for (const repair of match.repairs) {
      switch (repair.kind) {
        case 'align':
          await this.alignSize(repair.position, repair.held, fixes);
          break;
        case 'close-flat':
          await this.closeFlat(repair.position, fixes);
          break;
        case 'adopt':
          await this.adoptPosition(repair.held, fixes);
          break;
      }
    }
    return match.leverage;
  }

  private async alignSize(position: PositionEntity, held: ExchangePosition, fixes: Fixes): Promise<void> {
    const step = this.instruments.get(position.symbol)?.qtyStep;
    const same = step
      ? toUnits(position.quantity, step, 'nearest') === toUnits(held.size, step, 'nearest')
      : position.quantity === held.size;
    if (same && position.status === 'Open') return;
    await this.tracker.serialisedPosition(position.id, async () => {
      const current = await this.positions.findById(position.id);
      if (!current || current.status === 'Closed') return;
      const updated = await this.tracker.transitionPosition(
        current,
        'Open',
        { cause: `reconciled to exchange size ${held.size} @ ${held.entryPrice}`, actor: 'recovery' },
        {
          quantity: step ? fromUnits(toUnits(held.size, step, 'nearest'), step) : held.size,
          entryPrice: isPositiveDecimal(held.entryPrice) ? held.entryPrice : current.entryPrice,
          openedAt: current.openedAt ?? this.clock.now(),
        },
      );
      this.fixed(
        fixes,
        'POSITION_DRIFT',
        'position',
        updated,
        { status: current.status, quantity: current.quantity, entryPrice: current.entryPrice },
        { status: updated.status, quantity: updated.quantity, entryPrice: updated.entryPrice },
        'size/price aligned with the exchange',
      );
    });
  }

  private async closeFlat(position: PositionEntity, fixes: Fixes): Promise<void> {
    await this.tracker.serialisedPosition(position.id, async () => {
      let current = await this.positions.findById(position.id);
      if (!current || current.status === 'Closed') return;
      const cause = { cause: 'flat on the exchange', actor: 'recovery' as const };
      const emptyEntry = current.status === 'Opening';
      if (current.status === 'Open')
        current = await this.tracker.transitionPosition(current, 'Closing', cause, {
          exitReason: current.exitReason ?? 'RECONCILED_FLAT',
        });
      const closed = await this.tracker.transitionPosition(current, 'Closed', cause, {
        exitReason: emptyEntry ? 'ENTRY_NOT_FILLED' : (current.exitReason ?? 'RECONCILED_FLAT'),
        quantity: '0',
        unrealizedPnl: '0',
        closedAt: this.clock.now(),
      });
      this.fixed(
        fixes,
        'POSITION_CLOSED_ON_EXCHANGE',
        'position',
        closed,
        { status: position.status, quantity: position.quantity },
        { status: 'Closed', quantity: '0' },
        'no position on the exchange',
      );
    });
  }

  private async adoptPosition(held: ExchangePosition, fixes: Fixes): Promise<void> {
    const side = held.side === 'Sell' ? 'Sell' : 'Buy';
    const instrument = this.instruments.get(held.symbol);
    const atMs = this.clock.nowMs();
    const traceId = currentTraceId();
    const entryOnGrid =
      instrument && isPositiveDecimal(held.entryPrice)
        ? fromUnits(toUnits(held.entryPrice, instrument.tickSize, 'nearest'), instrument.tickSize)
        : null;
    const exits =
      entryOnGrid && instrument
        ? exitPrices(
            side,
            entryOnGrid,
            instrument.tickSize,
            this.config.risk.takeProfitPct,
            this.config.risk.stopLossPct,
          )
        : undefined;
    const opening = await this.positions.insertOpening({
      symbol: held.symbol,
      side,
      quantity: '0',
      takeProfit: exits?.takeProfit ?? null,
      stopLoss: exits?.stopLoss ?? null,
      entryReason: 'adopted by reconciliation',
      traceId: traceId ?? null,
      stateHistory: PositionStateMachine.create({ cause: 'adopted by reconciliation', atMs, traceId }).history,
    });
    const open = await this.tracker.transitionPosition(
      opening,
      'Open',
      { cause: `exchange holds ${held.size} @ ${held.entryPrice}`, actor: 'recovery' },
      {
        quantity: held.size,
        entryPrice: isPositiveDecimal(held.entryPrice) ? held.entryPrice : null,
        openedAt: new Date(held.createdTime || atMs),
      },
    );
    this.fixed(
      fixes,
      'POSITION_UNKNOWN_TO_DB',
      'position',
      open,
      null,
      { side, quantity: held.size, entryPrice: held.entryPrice },
      'position on the exchange adopted',
    );
  }

  private fixed(
    fixes: Fixes,
    kind: DiscrepancyKind,
    entityType: 'order' | 'position' | 'trade',
    entity: { readonly id: string; readonly symbol: string } | null,
    oldValue: unknown,
    newValue: unknown,
    reason: string,
    symbol = entity?.symbol ?? '',
  ): void {
    fixes[kind] = (fixes[kind] ?? 0) + 1;
    this.logger.warn({ kind, entityId: entity?.id, symbol, oldValue, newValue }, `reconciliation fix: ${reason}`);
    this.events.publish('recovery.discrepancy-fixed', {
      traceId: currentTraceId(),
      kind,
      entityType,
      entityId: entity?.id ?? null,
      symbol,
      oldValue,
      newValue,
      reason,
    });
    this.fixedThisRun += 1;
    if (this.fixedThisRun === 1) this.crash.reached('reconcile-fixed');
  }
}

type Fixes = Partial<Record<DiscrepancyKind, number>>;
type Checked = { orders: number; exchangeOpenOrders: number; executions: number; positions: number };
