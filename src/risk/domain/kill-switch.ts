import { add, moneyText, negate, rationalOfNumber } from '../../common/money';

/**
 * The daily-loss kill switch. Realised PnL is summed per UTC day; when MAX_DAILY_LOSS_USDT > 0 and the loss
 * counted since the day began (or since the last reset that day) reaches it, the switch trips and blocks new
 * entries. Only an operator's reset turns it off: a new UTC day restarts the sum but leaves the switch on,
 * because a loss big enough to trip it deserves a human look before trading resumes.
 */

export const SYSTEM_ACTOR = 'system';

export interface KillSwitchState {
  /** UTC day the sums belong to, 'YYYY-MM-DD'. */
  readonly tradingDay: string;
  /** Realised PnL of `tradingDay` (negative = loss). */
  readonly realisedPnlUsdt: number;
  /** `realisedPnlUsdt` at the last reset that day (0 when none): losses count from here. */
  readonly baselineUsdt: number;
  readonly active: boolean;
  readonly reason: string | null;
  readonly changedAtMs: number | null;
  readonly changedBy: string | null;
}

/** A trip, an activation or a reset: the payload of 'risk.kill-switch-changed' without the trace id. */
export interface KillSwitchChange {
  readonly actor: string;
  readonly active: boolean;
  readonly previous: boolean;
  readonly reason: string;
  readonly atMs: number;
  /** Realised PnL counted against the limit (since the day began or the last reset). */
  readonly dailyRealisedPnlUsdt: number;
  readonly maxDailyLossUsdt: number;
}

export const INITIAL_KILL_SWITCH_STATE: KillSwitchState = Object.freeze({
  tradingDay: '1970-01-01',
  realisedPnlUsdt: 0,
  baselineUsdt: 0,
  active: false,
  reason: null,
  changedAtMs: null,
  changedBy: null,
});

/** The UTC calendar day of an instant, 'YYYY-MM-DD' (ISO dates compare correctly as strings). */
export function utcDay(atMs: number): string {
  return new Date(atMs).toISOString().slice(0, 10);
}

/** The reason recorded when an operator resets the switch. */
export function resetReason(actor: string): string {
  return `reset by ${actor}`;
}

/**
 * a + b of two USDT figures, exactly: each is taken as the decimal it prints as (common/money.ts) and the sum is
 * rounded once to USDT's 8 decimals (Bybit's settlement precision), so float noise never decides a trip. The
 * state stays number-typed because it is stored and shared as PostgreSQL numerics on that grid.
 */
export function sumUsdt(a: number, b: number): number {
  return Number(moneyText(add(rationalOfNumber(a), rationalOfNumber(b))));
}

function differenceUsdt(a: number, b: number): number {
  return Number(moneyText(add(rationalOfNumber(a), negate(rationalOfNumber(b)))));
}

export class KillSwitch {
  private current: KillSwitchState;

  constructor(
    readonly maxDailyLossUsdt: number,
    state: KillSwitchState = INITIAL_KILL_SWITCH_STATE,
  ) {
    this.current = state;
  }

  get active(): boolean {
    return this.current.active;
  }
  get reason(): string | null {
    return this.current.reason;
  }
  get state(): KillSwitchState {
    return this.current;
  }

  /** Replaces the state with one loaded from storage (shared by every instance). */
  restore(state: KillSwitchState): void {
    this.current = state;
  }

  /** Realised PnL counted against the limit at `atMs` (0 on a day with nothing recorded yet). */
  countedPnl(atMs: number): number {
    const state = this.current;
    return utcDay(atMs) === state.tradingDay ? differenceUsdt(state.realisedPnlUsdt, state.baselineUsdt) : 0;
  }

  /**
   * Adds a realised PnL; returns the change when it trips the switch. PnL of a day older than the current one
   * (a late report after the day rolled) belongs to a finished day and is not counted.
   */
  record(pnlUsdt: number, atMs: number): KillSwitchChange | null {
    if (!Number.isFinite(pnlUsdt)) throw new RangeError(`realised PnL must be a finite number, got ${pnlUsdt}`);
    const day = utcDay(atMs);
    const state = this.dayOf(day);
    if (day < state.tradingDay) return null;
    const realisedPnlUsdt = sumUsdt(state.realisedPnlUsdt, pnlUsdt);
    const counted = differenceUsdt(realisedPnlUsdt, state.baselineUsdt);
    const trips = !state.active && this.maxDailyLossUsdt > 0 && counted <= -this.maxDailyLossUsdt;
    if (!trips) {
      this.current = { ...state, realisedPnlUsdt };
      return null;
    }
    const reason = `daily realised loss ${-counted} USDT reached MAX_DAILY_LOSS_USDT ${this.maxDailyLossUsdt}`;
    this.current = { ...state, realisedPnlUsdt, active: true, reason, changedAtMs: atMs, changedBy: SYSTEM_ACTOR };
    return this.change(SYSTEM_ACTOR, false, atMs);
  }

  /** An operator's stop: blocks entries until a reset, whatever the PnL. */
  activate(reason: string, atMs: number, actor: string): KillSwitchChange {
    const previous = this.current.active;
    this.current = { ...this.dayOf(utcDay(atMs)), active: true, reason, changedAtMs: atMs, changedBy: actor };
    return this.change(actor, previous, atMs);
  }

  /** An operator's reset: entries allowed again, and the day's losses so far no longer count against the limit. */
  reset(atMs: number, actor: string): KillSwitchChange {
    const previous = this.current.active;
    const state = this.dayOf(utcDay(atMs));
    this.current = {
      ...state,
      baselineUsdt: state.realisedPnlUsdt,
      active: false,
      reason: resetReason(actor),
      changedAtMs: atMs,
      changedBy: actor,
    };
    return this.change(actor, previous, atMs);
  }

  /** The state with its sums moved to `day` when that is a later day (the switch itself is untouched). */
  private dayOf(day: string): KillSwitchState {
    const state = this.current;
    return day > state.tradingDay ? { ...state, tradingDay: day, realisedPnlUsdt: 0, baselineUsdt: 0 } : state;
  }

  private change(actor: string, previous: boolean, atMs: number): KillSwitchChange {
    return {
      actor,
      active: this.current.active,
      previous,
      reason: this.current.reason ?? '',
      atMs,
      dailyRealisedPnlUsdt: this.countedPnl(atMs),
      maxDailyLossUsdt: this.maxDailyLossUsdt,
    };
  }
}
