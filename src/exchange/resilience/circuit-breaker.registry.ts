import CircuitBreaker from 'opossum';
import { CircuitOpenError, countsAsBreakerFailure } from '../exchange.errors';

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface BreakerTransition {
  readonly group: string;
  readonly state: BreakerState;
  readonly previous: BreakerState;
  readonly reason: string;
  readonly consecutiveFailures: number;
  readonly at: number;
  /** Who reset it by hand, for manual resets. */
  readonly actor?: string;
  readonly lastError?: string;
}

export interface BreakerStatus {
  readonly group: string;
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  readonly openedAtMs: number | null;
  readonly lastError: string | null;
  /** opossum's rolling-window counters. */
  readonly window: {
    readonly fires: number;
    readonly failures: number;
    readonly successes: number;
    readonly rejects: number;
  };
}

export interface CircuitBreakerOptions {
  /** Consecutive exchange/network faults that open the breaker (CIRCUIT_BREAKER_FAILURE_THRESHOLD). */
  readonly failureThreshold: number;
  /** Time OPEN before one HALF_OPEN probe is let through (CIRCUIT_BREAKER_COOLDOWN_SECONDS → opossum resetTimeout). */
  readonly cooldownMs: number;
  /** Which errors count; default: only ExchangeError with fault 'transient' (a business rejection does not). */
  readonly isFailure?: (error: unknown) => boolean;
  readonly onTransition?: (transition: BreakerTransition) => void;
  readonly now?: () => number;
}

type Action = () => Promise<unknown>;

interface Entry {
  readonly breaker: CircuitBreaker<[Action], unknown>;
  consecutiveFailures: number;
  openedAtMs: number | null;
  lastError: string | null;
  state: BreakerState;
  pendingActor?: string;
}

/**
 * One opossum breaker per endpoint group. opossum's own percentage rule is switched off (threshold 100 %, never
 * exceeded); the breaker opens after `failureThreshold` consecutive counted failures, and a failed HALF_OPEN
 * probe re-opens it (opossum's rule). Filtered errors (business rejections) count as successes: the exchange answered.
 */
export class CircuitBreakerRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(
    groups: readonly string[],
    private readonly options: CircuitBreakerOptions,
  ) {
    this.now = options.now ?? Date.now;
    const isFailure = options.isFailure ?? countsAsBreakerFailure;
    for (const group of groups) {
      const breaker = new CircuitBreaker<[Action], unknown>((action: Action) => action(), {
        name: group,
        timeout: false, // the HTTP client has its own timeout; a breaker timeout would not cancel an order in flight
        resetTimeout: options.cooldownMs,
        errorThresholdPercentage: 100,
        volumeThreshold: 0,
        errorFilter: (error: unknown) => !isFailure(error),
      });
      const entry: Entry = { breaker, consecutiveFailures: 0, openedAtMs: null, lastError: null, state: 'CLOSED' };
      breaker.on('failure', (error: unknown) => {
        entry.consecutiveFailures += 1;
        entry.lastError = error instanceof Error ? error.message : String(error);
        if (breaker.closed && entry.consecutiveFailures >= options.failureThreshold) breaker.open();
      });
      breaker.on('success', () => {
        entry.consecutiveFailures = 0;
      });
      breaker.on('open', () => this.transition(group, entry, 'OPEN'));
      breaker.on('halfOpen', () => this.transition(group, entry, 'HALF_OPEN'));
      breaker.on('close', () => this.transition(group, entry, 'CLOSED'));
      this.entries.set(group, entry);
    }
  }

  /** Runs `action` through the group's breaker; when OPEN it fails fast with CircuitOpenError. */
  async execute<T>(group: string, action: () => Promise<T>): Promise<T> {
    const entry = this.entry(group);
    try {
      return (await entry.breaker.fire(action)) as T;
    } catch (error) {
      if (isOpenBreakerError(error)) throw new CircuitOpenError(group);
      throw error;
    }
  }

  state(group: string): BreakerState {
    return this.entry(group).state;
  }

  status(): BreakerStatus[] {
    return [...this.entries.entries()].map(([group, entry]) => {
      const stats = entry.breaker.stats;
      return {
        group,
        state: entry.state,
        consecutiveFailures: entry.consecutiveFailures,
        failureThreshold: this.options.failureThreshold,
        cooldownMs: this.options.cooldownMs,
        openedAtMs: entry.openedAtMs,
        lastError: entry.lastError,
        window: { fires: stats.fires, failures: stats.failures, successes: stats.successes, rejects: stats.rejects },
      };
    });
  }

  /** Manual reset: closes the breaker and clears its failure count. */
  reset(group: string, actor: string): BreakerStatus {
    const entry = this.entry(group);
    entry.consecutiveFailures = 0;
    if (entry.state !== 'CLOSED') {
      entry.pendingActor = actor;
      entry.breaker.close();
    }
    return this.status().find((s) => s.group === group) as BreakerStatus;
  }

  shutdown(): void {
    for (const entry of this.entries.values()) entry.breaker.shutdown();
  }

  private entry(group: string): Entry {
    const entry = this.entries.get(group);
    if (!entry) throw new Error(`Unknown circuit-breaker group ${group}`);
    return entry;
  }

  private transition(group: string, entry: Entry, state: BreakerState): void {
    const previous = entry.state;
    if (previous === state) return;
    entry.state = state;
    const at = this.now();
    if (state === 'OPEN') entry.openedAtMs = at;
    if (state === 'CLOSED') entry.openedAtMs = null;
    const actor = entry.pendingActor;
    entry.pendingActor = undefined;
    const reason =
      state === 'OPEN'
        ? previous === 'HALF_OPEN'
          ? 'half-open probe failed'
          : `${entry.consecutiveFailures} consecutive failures`
        : state === 'HALF_OPEN'
          ? 'cooldown elapsed; letting one probe through'
          : actor
            ? 'manual reset'
            : 'probe succeeded';
    this.options.onTransition?.({
      group,
      state,
      previous,
      reason,
      consecutiveFailures: entry.consecutiveFailures,
      at,
      actor,
      lastError: entry.lastError ?? undefined,
    });
  }
}

function isOpenBreakerError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EOPENBREAKER';
}
