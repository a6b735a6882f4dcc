import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ExecutionRecoveryFacade } from '../execution/recovery-facade';
import { EventBus } from '../infra/events/event-bus';
import { currentTraceId } from '../infra/tracing/trace-context';
import { SymbolOwnershipService } from '../ownership/symbol-ownership.service';
import { keyedOpenOrders, matchExchangeOpenOrders, matchRecordedOrders } from './domain/order-matching';
import { matchPositions } from './domain/position-matching';
import { FixLog } from './reconciliation-fix-log';
import { ReconciliationInputs } from './reconciliation-inputs';
import { ReconciliationRepairs } from './reconciliation-repairs';
import { DiscrepancyKind, RecoveryEvents } from './recovery.events';

export type Trigger = RecoveryEvents['recovery.completed']['trigger'];

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

type Checked = { orders: number; exchangeOpenOrders: number; executions: number; positions: number };

/**
 * One reconciliation run (SPEC §9): trading paused; the database's active orders, the recent executions, the
 * exchange's open orders and the positions compared (gathered by ReconciliationInputs, matched by the pure
 * functions of ./domain, repaired by ReconciliationRepairs); trading resumed under the lease acquisition the run
 * started with. Its summary is logged and published (audited, shown on /bot/status).
 */
@Injectable()
export class ReconciliationRunner {
  private readonly logger = new Logger('ReconciliationService');

  constructor(
    private readonly inputs: ReconciliationInputs,
    private readonly repairs: ReconciliationRepairs,
    private readonly execution: ExecutionRecoveryFacade,
    private readonly ownership: SymbolOwnershipService,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  async run(trigger: Trigger): Promise<ReconciliationSummary> {
    const started = this.clock.nowMs();
    const log = this.repairs.newRun();
    const checked: Checked = { orders: 0, exchangeOpenOrders: 0, executions: 0, positions: 0 };
    this.execution.pauseForReconciliation();
    // The lease may go while this runs (and even come back, after another instance's turn): the run stops at the
    // next step, and trading resumes only under the acquisition it started with.
    const generation = this.ownership.generation;
    const stillOwned = () => this.ownership.ownsAll() && this.ownership.generation === generation;
    const leaseGone = () => new Error(this.ownership.whyNotOwned() ?? 'the symbol lease changed hands during the run');
    const steps = [
      () => this.reconcileRecordedOrders(log, checked),
      () => this.reconcileExecutions(log, checked),
      () => this.adoptUnknownExchangeOrders(log, checked),
    ];
    let outcome: { readonly success: true } | { readonly success: false; readonly error: string };
    try {
      for (const step of steps) {
        if (!stillOwned()) throw leaseGone();
        await step();
      }
      if (!stillOwned()) throw leaseGone();
      const leverage = (await this.reconcilePositions(log, checked)) ?? (await this.inputs.accountLeverage());
      await this.execution.drain();
      if (!(await this.execution.resumeAfterReconciliation(generation, leverage))) throw leaseGone();
      outcome = { success: true };
    } catch (error) {
      outcome = { success: false, error: error instanceof Error ? error.message : String(error) };
      this.logger.error({ err: error, trigger }, 'reconciliation failed; entries stay paused and it is retried');
    }
    const fixes = log.fixes;
    const summary: ReconciliationSummary = {
      trigger,
      startedAt: new Date(started).toISOString(),
      durationMs: this.clock.nowMs() - started,
      ...outcome,
      checked,
      fixes,
    };
    const count = Object.values(fixes).reduce((a, b) => a + (b ?? 0), 0);
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
  private async reconcileRecordedOrders(log: FixLog, checked: Checked): Promise<void> {
    const recorded = await this.execution.activeOrders(this.inputs.symbols);
    const inFlight = new Set(
      recorded.filter((o) => this.execution.isSending(o.clientOrderId)).map((o) => o.clientOrderId),
    );
    const reports = await this.inputs.reportsOf(recorded.filter((o) => !inFlight.has(o.clientOrderId)));
    for (const repair of matchRecordedOrders(recorded, reports, inFlight)) {
      switch (repair.kind) {
        case 'in-flight':
          break;
        case 'never-sent':
          checked.orders += 1;
          await this.repairs.neverSent(repair.order, log);
          break;
        case 'vanished':
          checked.orders += 1;
          await this.repairs.vanished(repair.order, log);
          break;
        case 'sync': {
          checked.orders += 1;
          const missed = repair.missedFills ? await this.inputs.executionsOf(repair.order) : [];
          await this.repairs.syncOrder(repair.order, repair.report, missed, repair.statusDiverged, log);
          break;
        }
      }
    }
  }

  /** Fills of our orders that happened while the bot was down or disconnected (any order, finished or not). */
  private async reconcileExecutions(log: FixLog, checked: Checked): Promise<void> {
    for (const symbol of this.inputs.symbols) {
      for (const execution of await this.inputs.recentExecutions(symbol)) {
        checked.executions += 1;
        await this.repairs.missedExecution(execution, symbol, log);
      }
    }
  }

  /** Open orders on the exchange with no row here (matched by orderLinkId): written, then synced. */
  private async adoptUnknownExchangeOrders(log: FixLog, checked: Checked): Promise<void> {
    const open = await this.inputs.exchangeOpenOrders();
    checked.exchangeOpenOrders += open.length;
    const known = await this.inputs.knownClientOrderIds(keyedOpenOrders(open, this.inputs.symbols));
    for (const repair of matchExchangeOpenOrders(open, known, this.inputs.symbols)) {
      switch (repair.kind) {
        case 'unkeyed':
          this.repairs.unkeyed(repair.report);
          break;
        case 'adopt': {
          const adopted = await this.repairs.adoptOrder(repair.report);
          // Synced as any recorded order is, but its fills and status are part of the adoption, not fixes of their own.
          for (const sync of matchRecordedOrders([adopted], await this.inputs.reportsOf([adopted]), new Set())) {
            if (sync.kind !== 'sync') continue;
            await this.repairs.applyReport(
              sync.report,
              sync.missedFills ? await this.inputs.executionsOf(adopted) : [],
            );
          }
          this.repairs.adopted(adopted, repair.report, log);
          break;
        }
      }
    }
  }

  /** Position size, side and price as the exchange has them; returns the account's leverage when known. */
  private async reconcilePositions(log: FixLog, checked: Checked): Promise<number | undefined> {
    const symbols = this.inputs.symbols;
    const match = matchPositions(
      await this.inputs.exchangePositions(),
      await this.execution.livePositions(symbols),
      new Set((await this.execution.activeOrders(symbols)).map((o) => o.positionId)),
      symbols,
    );
    checked.positions += match.checked;
    for (const repair of match.repairs) {
      switch (repair.kind) {
        case 'align':
          await this.repairs.alignSize(repair.position, repair.held, log);
          break;
        case 'close-flat':
          await this.repairs.closeFlat(repair.position, log);
          break;
        case 'adopt':
          await this.repairs.adoptPosition(repair.held, log);
          break;
      }
    }
    return match.leverage;
  }
}
