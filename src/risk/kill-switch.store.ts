import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { EventBus } from '../infra/events/event-bus';
import type { KillSwitchPort } from './domain/entry-risk-gate';
import { KillSwitch, KillSwitchChange, resetReason, SYSTEM_ACTOR } from './domain/kill-switch';
import { killSwitchWriteError } from './risk.errors';
import { RiskStateRepository, StoredKillSwitch } from './risk-state.repository';

export interface KillSwitchStatus {
  readonly active: boolean;
  readonly reason: string | null;
  /** ISO time of the last change, null when it never changed. */
  readonly since: string | null;
  readonly changedBy: string | null;
  readonly tradingDay: string;
  /** Realised PnL of the UTC day counted against the limit (since the last reset that day). */
  readonly dailyRealisedPnlUsdt: number;
  readonly maxDailyLossUsdt: number;
}

/** The account scope of the stored kill switch: one bot, one Bybit account. */
export const RISK_SCOPE = 'default';
/** How soon a kill-switch change made by another instance reaches this one. */
export const RISK_STATE_REFRESH_MS = 1000;
/** First wait before writing again an automatic trip whose write failed; doubles up to the maximum. */
export const TRIP_RETRY_INITIAL_MS = 1000;
export const TRIP_RETRY_MAX_MS = 60_000;
/** While a trip stays unstored, at most one error line per this interval (the first failure always logs). */
export const TRIP_RETRY_LOG_INTERVAL_MS = 60_000;

/**
 * The daily-loss kill switch of this instance, kept in memory for the entry gate (which reads `active` on every
 * entry) and in `risk_state` for restarts and other instances; another instance's changes arrive by a periodic
 * read.
 *
 * An operator's change (activate, reset) is stored first and only then made in memory and published (the
 * published event is what writes the audit row): a change that cannot be stored is refused with a typed error
 * and changes nothing. The automatic daily-loss trip is the one exception, because safety comes first: it stops
 * entries in memory at once, is written behind, and when that write fails it is written again with a bounded
 * back-off (TRIP_RETRY_*) until stored, logging at a bounded rate; it is published (and so audited) once stored.
 */
@Injectable()
export class KillSwitchStore implements KillSwitchPort, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(KillSwitchStore.name);
  private readonly killSwitch: KillSwitch;
  /** Storage calls run one at a time, in the order they were made. */
  private storage: Promise<unknown> = Promise.resolve();
  private storageCallsInFlight = 0;
  private refreshTimer?: NodeJS.Timeout;
  private refreshFailing = false;
  /** The pending rewrite of an automatic trip whose write failed, with its back-off. */
  private tripRetry?: {
    timer?: NodeJS.Timeout;
    writing: boolean;
    delayMs: number;
    failures: number;
    lastLoggedMs: number;
  };
  private destroyed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly store: RiskStateRepository,
  ) {
    this.killSwitch = new KillSwitch(config.risk.maxDailyLossUsdt);
  }

  async onModuleInit(): Promise<void> {
    const stored = await this.store.load(RISK_SCOPE, this.clock.nowMs());
    this.killSwitch.restore(stored.state);
    if (stored.state.active)
      this.logger.warn(
        { reason: stored.state.reason, changedBy: stored.state.changedBy },
        'kill switch is active: no new entries until an operator resets it',
      );
    this.refreshTimer = setInterval(() => {
      // A write in flight will bring back a fresher state than this read could.
      if (this.storageCallsInFlight === 0) void this.refresh();
    }, RISK_STATE_REFRESH_MS);
    this.refreshTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    clearInterval(this.refreshTimer);
    clearTimeout(this.tripRetry?.timer);
    // Realised PnL still being written must reach the database before the pool closes.
    await this.storage;
  }

  /** Read by the entry gate and the trading permit on every entry. */
  get active(): boolean {
    return this.killSwitch.active;
  }
  get reason(): string | null {
    return this.killSwitch.reason;
  }

  recordRealisedPnl(pnlUsdt: number, atMs: number, traceId?: string): void {
    if (!Number.isFinite(pnlUsdt)) {
      this.logger.error({ pnlUsdt, atMs, traceId }, 'realised PnL is not a finite number; not counted');
      return;
    }
    // Safety first: a trip stops entries here at once, before (and whether or not) the write succeeds.
    const trip = this.killSwitch.record(pnlUsdt, atMs);
    if (trip) this.logger.warn({ ...trip, traceId }, `kill switch tripped: ${trip.reason}`);
    this.callStorage(() =>
      this.store.addRealisedPnl(RISK_SCOPE, pnlUsdt, atMs, this.config.risk.maxDailyLossUsdt),
    ).then(
      // Published once stored, by whichever write turned the stored switch on: losses of several instances add
      // up in SQL and may trip it there though none tripped it here, and a trip here may find it on already.
      (stored) => this.publishStoredTrip(stored, atMs, traceId),
      (error: unknown) => {
        this.logger.error(
          { err: error, pnlUsdt, atMs, traceId },
          'realised PnL not persisted; it counts on this instance only',
        );
        if (trip) this.scheduleTripWrite();
      },
    );
  }

  /**
   * Stores the activation, then makes it here and publishes it (which audits it). A failed write changes
   * nothing and rejects with a RiskError: INVALID when the database refused the value, UNAVAILABLE otherwise.
   */
  async activateKillSwitch(actor: string, reason: string): Promise<KillSwitchStatus> {
    const atMs = this.clock.nowMs();
    const stored = await this.callStorage(() => this.store.activate(RISK_SCOPE, reason, actor, atMs)).catch(
      (error: unknown) => {
        throw this.refusedChange('activate', error);
      },
    );
    this.publishChange(changeOf(stored, actor, atMs, this.config.risk.maxDailyLossUsdt));
    return this.killSwitchStatus(atMs);
  }

  /** Like activateKillSwitch: stored first, adopted from the database, refused with a RiskError when not stored. */
  async resetKillSwitch(actor: string): Promise<KillSwitchStatus> {
    const atMs = this.clock.nowMs();
    const stored = await this.callStorage(() => this.store.reset(RISK_SCOPE, resetReason(actor), actor, atMs)).catch(
      (error: unknown) => {
        throw this.refusedChange('reset', error);
      },
    );
    this.publishChange(changeOf(stored, actor, atMs, this.config.risk.maxDailyLossUsdt));
    return this.killSwitchStatus(atMs);
  }

  killSwitchStatus(atMs = this.clock.nowMs()): KillSwitchStatus {
    const state = this.killSwitch.state;
    return {
      active: state.active,
      reason: state.reason,
      since: state.changedAtMs === null ? null : new Date(state.changedAtMs).toISOString(),
      changedBy: state.changedBy,
      tradingDay: state.tradingDay,
      dailyRealisedPnlUsdt: this.killSwitch.countedPnl(atMs),
      maxDailyLossUsdt: this.config.risk.maxDailyLossUsdt,
    };
  }

  /**
   * Reads the stored switch after this instance's pending writes and adopts it (what the timer does every
   * RISK_STATE_REFRESH_MS); resolves once done, so tests can wait for the shared state.
   */
  refresh(): Promise<void> {
    const wasActive = this.killSwitch.active;
    return this.callStorage(() => this.store.read(RISK_SCOPE)).then(
      (stored) => {
        if (this.killSwitch.active !== wasActive)
          this.logger.warn(
            { reason: stored.state.reason, changedBy: stored.state.changedBy },
            `kill switch ${stored.state.active ? 'activated' : 'reset'} by another instance`,
          );
        if (this.refreshFailing) this.logger.log('kill-switch state readable again');
        this.refreshFailing = false;
      },
      (error: unknown) => {
        // Once per outage: the timer would otherwise log every second.
        if (!this.refreshFailing)
          this.logger.warn({ err: error }, 'cannot read the stored kill switch; keeping the last known state');
        this.refreshFailing = true;
      },
    );
  }

  /**
   * Runs a storage call after the ones before it. The state it returns is adopted only when no later call is
   * queued: a later call already includes everything this one wrote, and adopting an older state would undo
   * local changes (a trip) made since.
   */
  private callStorage(call: () => Promise<StoredKillSwitch>): Promise<StoredKillSwitch> {
    this.storageCallsInFlight += 1;
    const result = this.storage.then(call).then(
      (stored) => {
        this.storageCallsInFlight -= 1;
        if (this.storageCallsInFlight === 0) this.adopt(stored);
        return stored;
      },
      (error: unknown) => {
        this.storageCallsInFlight -= 1;
        throw error;
      },
    );
    this.storage = result.catch(() => undefined);
    return result;
  }

  /**
   * Takes the stored state as the truth, except that an active switch here is only turned off by a reset stored
   * after it: a trip whose write failed is written again rather than forgotten at the next read.
   */
  private adopt(stored: StoredKillSwitch): void {
    const local = this.killSwitch.state;
    const resetAfterLocalChange =
      stored.state.changedAtMs !== null && stored.state.changedAtMs >= (local.changedAtMs ?? -Infinity);
    if (local.active && !stored.state.active && !resetAfterLocalChange) {
      // Only an automatic trip can be on here and not stored (operators' changes are stored first).
      this.scheduleTripWrite();
      return;
    }
    // Stored on (by this write or any other): nothing left to write again.
    if (stored.state.active) this.cancelTripWrite();
    this.killSwitch.restore(stored.state);
  }

  private refusedChange(change: 'activate' | 'reset', error: unknown): Error {
    const refused = killSwitchWriteError(change, error);
    this.logger.error({ err: error, code: refused.code }, `kill switch ${change} not stored; nothing changed`);
    return refused;
  }

  private publishStoredTrip(stored: StoredKillSwitch, atMs: number, traceId?: string): void {
    if (stored.state.active && !stored.previousActive)
      this.publishChange(changeOf(stored, SYSTEM_ACTOR, atMs, this.config.risk.maxDailyLossUsdt), traceId);
  }

  /**
   * Writes again, after a back-off, the automatic trip that is on here but not stored; one pending write at a
   * time. Stops once stored, or when the switch here is no longer on (a stored reset made after the trip).
   */
  private scheduleTripWrite(): void {
    if (this.destroyed || this.tripRetry?.timer || this.tripRetry?.writing) return;
    const retry = (this.tripRetry ??= {
      writing: false,
      delayMs: TRIP_RETRY_INITIAL_MS,
      failures: 0,
      lastLoggedMs: -Infinity,
    });
    retry.timer = setTimeout(() => {
      retry.timer = undefined;
      const local = this.killSwitch.state;
      if (!local.active || this.tripRetry !== retry) {
        if (this.tripRetry === retry) this.tripRetry = undefined;
        return;
      }
      const atMs = local.changedAtMs ?? this.clock.nowMs();
      retry.writing = true;
      void this.callStorage(() =>
        this.store.activate(RISK_SCOPE, local.reason ?? '', local.changedBy ?? SYSTEM_ACTOR, atMs),
      ).then(
        (stored) => {
          retry.writing = false;
          if (this.tripRetry === retry) this.tripRetry = undefined;
          this.logger.log({ failures: retry.failures }, 'kill switch trip stored after failed writes');
          this.publishStoredTrip(stored, atMs);
        },
        (error: unknown) => {
          retry.writing = false;
          if (this.tripRetry !== retry) return;
          retry.failures += 1;
          retry.delayMs = Math.min(retry.delayMs * 2, TRIP_RETRY_MAX_MS);
          const nowMs = this.clock.nowMs();
          if (nowMs - retry.lastLoggedMs >= TRIP_RETRY_LOG_INTERVAL_MS) {
            retry.lastLoggedMs = nowMs;
            this.logger.error(
              { err: error, failures: retry.failures, nextRetryMs: retry.delayMs },
              'kill switch trip not stored; entries stay blocked on this instance, writing it again with back-off',
            );
          }
          this.scheduleTripWrite();
        },
      );
    }, retry.delayMs);
    retry.timer.unref();
  }

  private cancelTripWrite(): void {
    clearTimeout(this.tripRetry?.timer);
    this.tripRetry = undefined;
  }

  private publishChange(change: KillSwitchChange, traceId?: string): void {
    const message = `kill switch ${change.active ? 'ON' : 'OFF'} by ${change.actor}: ${change.reason}`;
    if (change.active) this.logger.warn({ ...change }, message);
    else this.logger.log({ ...change }, message);
    this.events.publish('risk.kill-switch-changed', {
      traceId,
      actor: change.actor,
      active: change.active,
      previous: change.previous,
      reason: change.reason,
      dailyRealisedPnlUsdt: change.dailyRealisedPnlUsdt,
      maxDailyLossUsdt: change.maxDailyLossUsdt,
    });
  }
}

function changeOf(stored: StoredKillSwitch, actor: string, atMs: number, maxDailyLossUsdt: number): KillSwitchChange {
  return {
    actor,
    active: stored.state.active,
    previous: stored.previousActive,
    reason: stored.state.reason ?? '',
    atMs,
    dailyRealisedPnlUsdt: new KillSwitch(maxDailyLossUsdt, stored.state).countedPnl(atMs),
    maxDailyLossUsdt,
  };
}
