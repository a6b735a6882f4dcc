import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ExchangeConnectionService } from '../exchange/exchange-connection.service';
import { PrivateStream } from '../exchange/exchange.port';
import { ExecutionRecoveryFacade } from '../execution/recovery-facade';
import { EventBus } from '../infra/events/event-bus';
import { withTrace } from '../infra/tracing/trace-context';
import { SymbolOwnershipService } from '../ownership/symbol-ownership.service';
import { ReconciliationRunner, ReconciliationSummary, Trigger } from './reconciliation-runner';

export type { ReconciliationSummary } from './reconciliation-runner';

const RETRY_DELAY_MS = 5000;

/**
 * Makes the database agree with the exchange (SPEC §9): at boot (once the exchange is connected), before the bot
 * starts trading, after every private-stream reconnect, and when this instance acquires the symbol lease. This is
 * the scheduling and the bot participant: one run at a time (a trigger during a run runs once more after it), a
 * failed run retried, trading allowed only after a successful run under the lease held now. The run itself is
 * ReconciliationRunner's; while it runs, execution takes no entries and sends no exits.
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
  /** The first run has been triggered (the exchange was connected); before that, acquiring the lease waits for it. */
  private booted = false;

  constructor(
    private readonly connection: ExchangeConnectionService,
    private readonly privateStream: PrivateStream,
    private readonly execution: ExecutionRecoveryFacade,
    private readonly runner: ReconciliationRunner,
    private readonly events: EventBus,
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

  /** The first run waits for the exchange connection (opened in the background at boot): an awaited signal. */
  onApplicationBootstrap(): void {
    void this.connection.whenStarted().then(() => {
      if (this.destroyed) return;
      this.booted = true;
      this.trigger('startup');
    });
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
    const run = withTrace('recovery.reconcile', () => this.runOnce(trigger), { trigger }).finally(() => {
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

  private async runOnce(trigger: Trigger): Promise<ReconciliationSummary> {
    const summary = await this.runner.run(trigger);
    this.runs += 1;
    this.last = summary;
    this.totalFixes += Object.values(summary.fixes).reduce((a, b) => a + (b ?? 0), 0);
    return summary;
  }

  /** The lease was lost (and maybe taken again) since the last successful run. */
  private isStale(): boolean {
    return !this.execution.reconciled;
  }
}
