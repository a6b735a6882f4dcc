import Bottleneck from 'bottleneck';
import { RateLimitWaitExceeded } from '../exchange.errors';
import { sleep } from '../resilience/backoff';
import { hasNobodyWaiting, LocalReservoir, localReservoirOf, takeOneFromEach } from './bottleneck-local-tokens';
import { useImmediateYieldInBottleneck } from './bottleneck-yield';

useImmediateYieldInBottleneck();

export interface LimitSpec {
  /** Published requests per window; null = no limit of its own (only the global IP limit applies). */
  readonly limit: number | null;
  readonly windowMs: number;
}

/** Optional Redis clustering: every instance sharing the connection and prefix shares the limits (SPEC §12). */
export interface RateLimitClustering {
  readonly connection: Bottleneck.IORedisConnection | Bottleneck.RedisConnection;
  /** e.g. `bybit:<uid>`: limits are per UID at Bybit. */
  readonly idPrefix: string;
}

export interface RateLimiterOptions {
  /** Share of the published limit we use per window (0 < f ≤ 1). */
  readonly safetyFactor: number;
  /** Longest a call may wait for a token; then it fails with RateLimitWaitExceeded. */
  readonly maxWaitMs: number;
  /** How often Bottleneck checks whether the window has elapsed (refresh lateness ≤ this). */
  readonly heartbeatMs?: number;
  readonly clustering?: RateLimitClustering;
  readonly now?: () => number;
  /** false: every call goes through Bottleneck, as before the fast path existed (default true). */
  readonly fastPath?: boolean;
}

/** Per-endpoint limit state the exchange reported (X-Bapi-Limit, -Status, -Reset-Timestamp). */
export interface ExchangeLimitHeaders {
  readonly limit: number;
  readonly remaining: number;
  readonly resetAtMs: number;
}

export interface RateLimitStatus {
  readonly group: string;
  /** Published limit per window (adapted from X-Bapi-Limit), null for IP-only groups. */
  readonly limit: number | null;
  readonly windowMs: number;
  /** Tokens per window after the safety factor; null for IP-only groups. */
  readonly capacity: number | null;
  readonly tokensLeft: number | null;
  readonly queued: number;
  readonly running: number;
  /** Share of this window's tokens already used (0…1). */
  readonly utilisation: number;
  readonly granted: number;
  readonly waitExceeded: number;
  readonly pausedUntilMs: number | null;
  readonly exchange: (ExchangeLimitHeaders & { readonly atMs: number }) | null;
}

interface Entry {
  readonly group: string;
  limiter: Bottleneck;
  readonly windowMs: number;
  limit: number | null;
  capacity: number | null;
  pausedUntilMs: number;
  granted: number;
  waitExceeded: number;
  /** Tasks started by the fast path and not settled yet (Bottleneck does not see them). */
  fastRunning: number;
  exchange: (ExchangeLimitHeaders & { atMs: number }) | null;
}

export const IP_GROUP = 'ip';

/**
 * One Bottleneck per endpoint group, each chained to one global IP limiter: a call runs only when both grant a
 * token. Windows are fixed (reservoir refreshed every windowMs), hence the safety factor (see bybit.constants.ts).
 */
export class RateLimiterRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private fastPath: boolean;
  /** Start of each group's current window, for refillElapsed (a virtual clock's windows). */
  private readonly windowStarts = new Map<string, number>();

  constructor(
    groups: Readonly<Record<string, LimitSpec>>,
    ip: LimitSpec,
    private readonly options: RateLimiterOptions,
  ) {
    if (!(options.safetyFactor > 0 && options.safetyFactor <= 1))
      throw new RangeError('safetyFactor must be in (0, 1]');
    this.now = options.now ?? Date.now;
    this.fastPath = options.fastPath ?? true;
    const ipEntry = this.createEntry(IP_GROUP, ip, undefined);
    this.entries.set(IP_GROUP, ipEntry);
    for (const [group, spec] of Object.entries(groups))
      this.entries.set(group, this.createEntry(group, spec, ipEntry.limiter));
  }

  get groups(): string[] {
    return [...this.entries.keys()].filter((g) => g !== IP_GROUP);
  }

  /**
   * Runs `task` once the group and the IP limiter both grant a token. Waiting is asynchronous; after
   * maxWaitMs the call fails with RateLimitWaitExceeded and the task is never run.
   *
   * Fast path (in-memory limits only; never with Redis clustering): when both limiters have a token left in their
   * current window, neither has a job waiting for its turn (received, queued, or granted but not started; a job
   * already executing holds its tokens and is overtaken by nobody) and neither is paused, one token is taken from
   * both reservoirs synchronously and `task` starts before schedule() returns: no timer, no event-loop turn
   * (Bottleneck's own path yields several times per limiter, milliseconds per order; `npm run bench execution`).
   * The reservoirs are Bottleneck's own, so queued calls, the window refill, status() and the per-window capacity
   * account the token exactly as one Bottleneck granted.
   */
  schedule<T>(group: string, task: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(group);
    const ipEntry = this.entry(IP_GROUP);
    if (!entry) return Promise.reject(new Error(`Unknown rate-limit group ${group}`));
    if (this.tryTakeNow(entry, ipEntry)) return this.runNow(entry, task);
    return this.scheduleQueued(entry, ipEntry, task);
  }

  /**
   * Takes one token of `group` and of the IP limiter now, all or none, without queueing: true when taken (counted as
   * granted). For a caller that keeps its own time (a backtest on a virtual clock): it pairs this with
   * refillElapsed() and waits for nextRefillMs() itself, so no Bottleneck timer ever decides anything.
   */
  tryTake(group: string): boolean {
    const entry = this.entry(group);
    if (!this.tryTakeNow(entry, this.entry(IP_GROUP))) return false;
    entry.granted += 1;
    return true;
  }

  /**
   * Refills every in-memory window that has elapsed by `nowMs`, as Bottleneck's heartbeat does on the wall clock
   * (a registry built with a heartbeat longer than the run gets no other refill). The first call starts the windows.
   */
  refillElapsed(nowMs: number): void {
    for (const entry of this.entries.values()) {
      const reservoir = localReservoirOf(entry.limiter);
      if (entry.capacity === null || !reservoir) continue;
      const start = this.windowStarts.get(entry.group);
      if (start === undefined) {
        this.windowStarts.set(entry.group, nowMs);
      } else if (nowMs >= start + entry.windowMs) {
        reservoir.storeOptions.reservoir = entry.capacity;
        this.windowStarts.set(entry.group, start + Math.floor((nowMs - start) / entry.windowMs) * entry.windowMs);
      }
    }
  }

  /** When the next window of `group` or of the IP limiter refills (refillElapsed's windows); NaN before the first. */
  nextRefillMs(group: string): number {
    let next = Number.POSITIVE_INFINITY;
    for (const entry of [this.entry(group), this.entry(IP_GROUP)]) {
      const reservoir = localReservoirOf(entry.limiter);
      if (entry.capacity === null || !reservoir || (reservoir.storeOptions.reservoir ?? 0) >= 1) continue;
      const start = this.windowStarts.get(entry.group);
      if (start === undefined) return Number.NaN;
      next = Math.min(next, start + entry.windowMs);
    }
    return next;
  }

  /** Turns the fast path on or off for the next calls (benchmarks compare both paths within one run). */
  setFastPath(enabled: boolean): void {
    this.fastPath = enabled;
  }

  /** Takes a token from the group and the IP limiter at once if nothing is ahead of this call; false otherwise. */
  private tryTakeNow(entry: Entry, ipEntry: Entry): boolean {
    if (!this.fastPath || this.options.clustering) return false; // with Redis, the shared store is the only truth
    const now = this.now();
    if (entry.pausedUntilMs > now || ipEntry.pausedUntilMs > now) return false;
    const reservoirs: LocalReservoir[] = [];
    for (const e of entry === ipEntry ? [entry] : [entry, ipEntry]) {
      const reservoir = localReservoirOf(e.limiter);
      if (!reservoir || !hasNobodyWaiting(e.limiter)) return false;
      reservoirs.push(reservoir);
    }
    return takeOneFromEach(reservoirs);
  }

  private runNow<T>(entry: Entry, task: () => Promise<T>): Promise<T> {
    entry.granted += 1;
    entry.fastRunning += 1;
    const settled = () => {
      entry.fastRunning -= 1;
    };
    let running: Promise<T>;
    try {
      running = task();
    } catch (error) {
      settled();
      return Promise.reject(error);
    }
    void Promise.resolve(running).then(settled, settled);
    return running;
  }

  private async scheduleQueued<T>(entry: Entry, ipEntry: Entry, task: () => Promise<T>): Promise<T> {
    const started = this.now();
    const pausedUntil = Math.max(entry.pausedUntilMs, ipEntry.pausedUntilMs);
    if (pausedUntil > started) {
      if (pausedUntil - started > this.options.maxWaitMs) return this.exceeded(entry);
      await sleep(pausedUntil - started);
    }
    const remaining = this.options.maxWaitMs - (this.now() - started);
    return new Promise<T>((resolve, reject) => {
      let state: 'waiting' | 'running' | 'abandoned' = 'waiting';
      const timer = setTimeout(
        () => {
          if (state !== 'waiting') return;
          state = 'abandoned';
          entry.waitExceeded += 1;
          reject(new RateLimitWaitExceeded(entry.group, this.options.maxWaitMs));
        },
        Math.max(0, remaining),
      );
      timer.unref?.();
      entry.limiter
        .schedule(() => {
          // An abandoned job still reaches the front of the queue; it must not call the exchange any more.
          if (state === 'abandoned') return Promise.resolve(undefined as T);
          state = 'running';
          clearTimeout(timer);
          entry.granted += 1;
          return task();
        })
        .then(
          (value) => {
            if (state === 'running') resolve(value);
          },
          (error: unknown) => {
            if (state === 'running') reject(error);
          },
        );
    });
  }

  /**
   * Adapts to what the exchange reported for this group's endpoint: a changed X-Bapi-Limit (e.g. a VIP tier)
   * resizes the window; fewer requests left than our tokens (another client on the same UID) shrinks this
   * window; none left pauses the group until the reset timestamp.
   */
  observe(group: string, headers: ExchangeLimitHeaders): void {
    const entry = this.entry(group);
    const now = this.now();
    entry.exchange = { ...headers, atMs: now };
    if (headers.limit > 0 && headers.limit !== entry.limit && entry.capacity !== null)
      this.resize(entry, headers.limit);
    if (headers.remaining <= 0) {
      this.pause(group, headers.resetAtMs > now ? headers.resetAtMs : now + entry.windowMs);
    } else if (entry.capacity !== null) {
      const limiter = entry.limiter;
      void limiter.currentReservoir().then((tokens) => {
        // incrementReservoir, not updateSettings: Bottleneck 2.19's updateSettings stops the timer that refills
        // the reservoir (SGrondin/bottleneck#185), after which the group would never get a token again.
        if (tokens !== null && headers.remaining < tokens) void limiter.incrementReservoir(headers.remaining - tokens);
      });
    }
  }

  /**
   * The exchange reports a different limit for this endpoint (a VIP tier, say): a new limiter with the new window
   * budget takes the group's next calls, and the old one finishes what it has queued. See observe() for why the
   * limiter is not updated in place.
   */
  private resize(entry: Entry, limit: number): void {
    const ipEntry = this.entry(IP_GROUP);
    const previous = entry.limiter;
    const replacement = this.createEntry(
      entry.group,
      { limit, windowMs: entry.windowMs },
      entry.group === IP_GROUP ? undefined : ipEntry.limiter,
    );
    entry.limiter = replacement.limiter;
    entry.limit = limit;
    entry.capacity = replacement.capacity;
    void previous.stop({ dropWaitingJobs: false }).catch(() => undefined);
  }

  /** Holds every call of the group (or of everything, for IP_GROUP) until `untilMs` (10006, HTTP 403). */
  pause(group: string, untilMs: number): void {
    const entry = this.entry(group);
    entry.pausedUntilMs = Math.max(entry.pausedUntilMs, untilMs);
  }

  async status(): Promise<RateLimitStatus[]> {
    const now = this.now();
    const result: RateLimitStatus[] = [];
    for (const entry of this.entries.values()) {
      const tokensLeft = entry.capacity === null ? null : ((await entry.limiter.currentReservoir()) ?? 0);
      const counts = entry.limiter.counts();
      result.push({
        group: entry.group,
        limit: entry.limit,
        windowMs: entry.windowMs,
        capacity: entry.capacity,
        tokensLeft,
        queued: counts.QUEUED + counts.RECEIVED,
        running: counts.RUNNING + counts.EXECUTING + entry.fastRunning,
        utilisation: entry.capacity && tokensLeft !== null ? round((entry.capacity - tokensLeft) / entry.capacity) : 0,
        granted: entry.granted,
        waitExceeded: entry.waitExceeded,
        pausedUntilMs: entry.pausedUntilMs > now ? entry.pausedUntilMs : null,
        exchange: entry.exchange,
      });
    }
    return result;
  }

  async stop(): Promise<void> {
    for (const entry of this.entries.values()) await entry.limiter.disconnect(false);
  }

  private entry(group: string): Entry {
    const entry = this.entries.get(group);
    if (!entry) throw new Error(`Unknown rate-limit group ${group}`);
    return entry;
  }

  private capacityOf(limit: number): number {
    return Math.max(1, Math.floor(limit * this.options.safetyFactor));
  }

  private exceeded(entry: Entry): never {
    entry.waitExceeded += 1;
    throw new RateLimitWaitExceeded(entry.group, this.options.maxWaitMs);
  }

  private createEntry(group: string, spec: LimitSpec, chainTo: Bottleneck | undefined): Entry {
    const capacity = spec.limit === null ? null : this.capacityOf(spec.limit);
    const clustering = this.options.clustering;
    const limiter = new Bottleneck({
      ...(capacity === null
        ? {}
        : { reservoir: capacity, reservoirRefreshAmount: capacity, reservoirRefreshInterval: spec.windowMs }),
      heartbeatInterval: this.options.heartbeatMs ?? 50,
      ...(clustering
        ? {
            id: `${clustering.idPrefix}:${group}`,
            datastore: 'ioredis',
            connection: clustering.connection,
            clearDatastore: false,
          }
        : {}),
    });
    if (chainTo) limiter.chain(chainTo);
    limiter.on('error', () => undefined); // datastore errors surface as rejected jobs
    return {
      group,
      limiter,
      windowMs: spec.windowMs,
      limit: spec.limit,
      capacity,
      pausedUntilMs: 0,
      granted: 0,
      waitExceeded: 0,
      fastRunning: 0,
      exchange: null,
    };
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
