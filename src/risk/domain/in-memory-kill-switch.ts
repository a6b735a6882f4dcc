import { KillSwitch, KillSwitchChange, KillSwitchState } from './kill-switch';
import type { KillSwitchPort } from './entry-risk-gate';

/**
 * The kill switch of a backtest or a test: the same daily-loss rule as the live store, in memory only, its
 * changes handed to an optional listener instead of stored and published.
 */
export class InMemoryKillSwitch implements KillSwitchPort {
  private readonly killSwitch: KillSwitch;

  constructor(
    maxDailyLossUsdt: number,
    private readonly onChange: (change: KillSwitchChange, traceId?: string) => void = () => undefined,
    state?: KillSwitchState,
  ) {
    this.killSwitch = new KillSwitch(maxDailyLossUsdt, state);
  }

  get active(): boolean {
    return this.killSwitch.active;
  }
  get reason(): string | null {
    return this.killSwitch.reason;
  }
  get state(): KillSwitchState {
    return this.killSwitch.state;
  }

  /** Like the live store, a PnL that is not a finite number is not counted (the domain switch would throw). */
  recordRealisedPnl(pnlUsdt: number, atMs: number, traceId?: string): void {
    if (!Number.isFinite(pnlUsdt)) return;
    const trip = this.killSwitch.record(pnlUsdt, atMs);
    if (trip) this.onChange(trip, traceId);
  }

  activate(reason: string, atMs: number, actor: string): void {
    this.onChange(this.killSwitch.activate(reason, atMs, actor));
  }

  reset(atMs: number, actor: string): void {
    this.onChange(this.killSwitch.reset(atMs, actor));
  }

  countedPnl(atMs: number): number {
    return this.killSwitch.countedPnl(atMs);
  }
}
