import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { Clock } from '../common/clock';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { DATABASE_URL } from '../infra/database/database.module';
import { EventBus } from '../infra/events/event-bus';
import { describeHolders, LeaseHolders, leaseName, leaseOrder } from './domain/symbol-lease';
import { OwnershipError } from './ownership.errors';

/**
 * acquiring: not decided yet (booting, or the database is unreachable); taking-over: the locks are ours but the
 * previous holder may not have noticed yet; owned: every configured symbol is ours; waiting: another instance
 * holds at least one of them; lost: we held them and no longer do; released: shut down.
 */
export type OwnershipState = 'acquiring' | 'taking-over' | 'owned' | 'waiting' | 'lost' | 'released';

export interface OwnershipStatus {
  readonly state: OwnershipState;
  readonly counters: Readonly<Record<string, number>>;
  readonly details: {
    readonly instance: string;
    readonly symbols: readonly string[];
    readonly since: string;
    readonly holders: LeaseHolders;
    readonly lastError: string | null;
  };
}

/** A session that stops answering is presumed gone: this long without a reply and the lease counts as lost. */
const MIN_QUERY_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 5000;
/**
 * After a loss, wait this many check intervals before trying to take the lease back: a waiting standby (which
 * tries every interval) gets it first, rather than an instance whose database session has just failed.
 */
const LOSS_BACKOFF_CHECKS = 2;
/** Extra wait on a take-over beyond the previous holder's worst-case detection time (timer and scheduling slack). */
const TAKEOVER_MARGIN_MS = 500;
/** Closing a session politely waits for the server; a partitioned one never answers, so it is cut after this. */
const END_TIMEOUT_MS = 1000;
/** How long the terminate of our own stale backend waits for it to exit (and free its locks). */
const TERMINATE_WAIT_MS = 1000;
/**
 * Server-side keepalive of the lease session: if this process vanishes without closing the socket (power loss, a
 * partition), the server ends the session, and so frees the symbols for a standby, within about 25 s rather than
 * the operating system's default of two hours.
 */
const SERVER_KEEPALIVE_OPTIONS = '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';

const BACKEND_START_US = `(extract(epoch FROM backend_start) * 1000000)::bigint::text`;

/** A backend of ours, identified beyond its pid (pids are reused). */
interface SessionIdentity {
  readonly pid: number;
  /** Microseconds since the epoch, as text: a JavaScript Date would drop the microseconds and never match. */
  readonly backendStartUs: string;
}

/**
 * SPEC §12: each symbol is traded by exactly one instance at a time, however many share the database.
 *
 * Ownership is a PostgreSQL session-level advisory lock per symbol, held on a connection of its own (not the
 * pool's). The database releases it the moment that session ends, so a crashed or killed instance hands its
 * symbols over without any timeout, and nothing needs cleaning up. The lease is held from boot to shutdown
 * (an instance that merely stopped trading keeps its symbols and their open positions); a second instance
 * configured for the same symbols waits as a hot standby and takes over when the first one goes away.
 *
 * An instance takes all of its symbols or none. The lease is verified every SYMBOL_LEASE_CHECK_MS; a failed
 * check, a connection error or a closed connection means the lease may be gone, and 'ownership.changed'
 * (lost) is published at once so execution pauses before another instance could finish reconciling.
 */
@Injectable()
export class SymbolOwnershipService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly name = 'ownership';
  private readonly logger = new Logger(SymbolOwnershipService.name);
  private readonly symbols: readonly string[];
  private readonly instance: string;
  private readonly checkMs: number;
  private client: Client | null = null;
  private state: OwnershipState = 'acquiring';
  private since: Date;
  private holders: LeaseHolders = {};
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private closed = false;
  private acquisitions = 0;
  private losses = 0;
  private retryNotBeforeMs = 0;
  /** When a take-over becomes a hold: the previous holder has had time to notice it lost the lease and stop. */
  private tradableAtMs = 0;
  private sessionIdentity: SessionIdentity | null = null;
  /** A session given up on that the server may still keep (and with it our locks): ended before trying again. */
  private abandoned: SessionIdentity | null = null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {
    this.symbols = leaseOrder(config.trading.pairs);
    this.instance = config.ownership.instanceName;
    this.checkMs = config.ownership.checkMs;
    this.since = clock.now();
  }

  /** True only while this instance holds the lease of every configured symbol (and may trade them). */
  ownsAll(): boolean {
    return this.state === 'owned';
  }

  /**
   * Changes on every acquisition: a piece of work that started under one acquisition (a reconciliation run) must
   * not go on under the next, which may follow another instance's turn with the symbols.
   */
  get generation(): number {
    return this.acquisitions;
  }

  /**
   * The longest a holder with the same settings can take to notice it lost its session (a check that never
   * answers: one interval until the check plus the query timeout). A take-over waits this long before trading.
   */
  get takeoverDelayMs(): number {
    return this.checkMs + this.queryTimeoutMs + TAKEOVER_MARGIN_MS;
  }

  /** One human sentence on why this instance may not trade, or null when it may. */
  whyNotOwned(): string | null {
    switch (this.state) {
      case 'owned':
        return null;
      case 'taking-over':
        return `taking ${this.symbols.join(', ')} over: waiting ${this.takeoverDelayMs} ms for the previous holder to notice it lost them`;
      case 'waiting':
        return `${this.symbols.join(', ')}: traded by another instance (${describeHolders(this.holders)}); this instance takes over when it lets go`;
      case 'lost':
        return `the lease of ${this.symbols.join(', ')} was lost (${this.lastError ?? 'unknown reason'}); trying to take it back`;
      case 'released':
        return 'this instance is shutting down';
      default:
        return `the lease of ${this.symbols.join(', ')} is not acquired yet${this.lastError ? ` (${this.lastError})` : ''}`;
    }
  }

  onApplicationBootstrap(): void {
    void this.tick();
  }

  /** Runs after the bot has stopped (shutdown hooks run from the dependants down). Ending the session frees the locks. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A round stuck on a partitioned session would hold shutdown for the query timeout: its session is cut below.
    await Promise.race([this.ticking, delay(END_TIMEOUT_MS)]);
    const client = this.client;
    this.client = null;
    this.setState('released');
    if (client) await this.endQuietly(client);
  }

  // ---- bot participant: refuses to start trading symbols another instance holds ------------------------------

  async start(): Promise<void> {
    // A start right after boot should not fail only because the first attempt has not finished.
    if (this.state === 'acquiring' || this.state === 'lost') await this.tick();
    // Nor during a take-over's wait, which is bounded.
    if (this.state === 'taking-over')
      await delay(Math.max(0, this.tradableAtMs - this.clock.nowMs()) + this.checkMs).then(() => this.tick());
    const why = this.whyNotOwned();
    if (why === null) return;
    if (this.state === 'waiting')
      throw new OwnershipError('SYMBOLS_HELD_ELSEWHERE', why, { symbols: this.symbols, holders: this.holders });
    throw new OwnershipError('LEASE_NOT_HELD', why, { symbols: this.symbols });
  }

  async stop(): Promise<void> {
    // The lease outlives a stopped bot: its open positions are still this instance's to account for.
  }

  status(): OwnershipStatus {
    return {
      state: this.state,
      counters: { acquisitions: this.acquisitions, losses: this.losses },
      details: {
        instance: this.instance,
        symbols: this.symbols,
        since: this.since.toISOString(),
        holders: this.holders,
        lastError: this.lastError,
      },
    };
  }

  // ---- the loop ----------------------------------------------------------------------------------------------

  /** One round: verify a held lease or try to take a missing one. Rounds never overlap. */
  private tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const holding = this.state === 'owned' || this.state === 'taking-over';
    const backingOff = !holding && this.clock.nowMs() < this.retryNotBeforeMs;
    const round = (holding ? this.verify() : backingOff ? Promise.resolve() : this.tryAcquire())
      .catch((error: unknown) => this.onSessionFailure(`lease session failed: ${messageOf(error)}`))
      .finally(() => {
        this.ticking = null;
        if (this.closed) return;
        this.timer = setTimeout(() => void this.tick(), this.checkMs);
        this.timer.unref();
      });
    this.ticking = round;
    return round;
  }

  private async tryAcquire(): Promise<void> {
    const client = await this.session();
    await this.endAbandonedSession(client);
    const taken: string[] = [];
    for (const symbol of this.symbols) {
      const { rows } = await client.query<{ taken: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS taken',
        [leaseName(symbol)],
      );
      if (!rows[0].taken) break;
      taken.push(symbol);
    }
    if (this.closed) return;
    if (taken.length === this.symbols.length) {
      // Someone held them a moment ago (we waited for them, or we lost them ourselves): that holder may still
      // believe it trades them until its own check fails. Hold the locks, but trade only once it must have stopped.
      const takeover = this.state === 'waiting' || this.state === 'lost';
      this.holders = {};
      this.lastError = null;
      if (takeover) {
        this.tradableAtMs = this.clock.nowMs() + this.takeoverDelayMs;
        this.setState('taking-over');
        this.logger.warn(
          { instance: this.instance, symbols: this.symbols, waitMs: this.takeoverDelayMs },
          'symbol lease taken over; trading once the previous holder must have stopped',
        );
        return;
      }
      this.becomeOwner('lease acquired');
      return;
    }
    // All or none: a partial hold would only block the other instance without letting this one trade.
    for (const symbol of taken)
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [leaseName(symbol)]);
    const holders = await this.readHolders(client);
    const changed = JSON.stringify(holders) !== JSON.stringify(this.holders) || this.state !== 'waiting';
    this.holders = holders;
    if (changed)
      this.logger.warn(
        { instance: this.instance, holders },
        `waiting for the symbol lease: ${describeHolders(holders)}`,
      );
    this.setState('waiting');
  }

  private becomeOwner(reason: string): void {
    this.acquisitions += 1;
    this.setState('owned');
    this.logger.log(
      { instance: this.instance, symbols: this.symbols },
      `symbol lease acquired: ${this.symbols.join(', ')}`,
    );
    this.events.publish('ownership.changed', {
      state: 'acquired',
      symbols: this.symbols,
      instance: this.instance,
      reason,
    });
  }

  /** Still our session, and the database still lists every lock as ours; a take-over whose wait is over becomes a hold. */
  private async verify(): Promise<void> {
    const client = await this.session();
    const { rows } = await client.query<{ held: number }>(
      `SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND pid = pg_backend_pid()`,
    );
    if (rows[0].held < this.symbols.length) {
      this.onSessionFailure(`only ${rows[0].held} of ${this.symbols.length} symbol locks are still held`);
      return;
    }
    if (this.state === 'taking-over' && this.clock.nowMs() >= this.tradableAtMs && !this.closed)
      this.becomeOwner('lease taken over');
  }

  /**
   * After a check timed out, the old session may still be alive at the server, holding the locks for nobody:
   * without this the instance would wait for itself until the server's keepalive gave up.
   */
  private async endAbandonedSession(client: Client): Promise<void> {
    const abandoned = this.abandoned;
    if (!abandoned) return;
    this.abandoned = null;
    try {
      const { rows } = await client.query<{ ended: boolean }>(
        // With a timeout, terminate waits for the backend to exit, so its locks are free for the attempt that follows.
        `SELECT pg_terminate_backend(pid, ${TERMINATE_WAIT_MS}) AS ended FROM pg_stat_activity WHERE pid = $1 AND ${BACKEND_START_US} = $2`,
        [abandoned.pid, abandoned.backendStartUs],
      );
      if (rows[0]?.ended)
        this.logger.warn(
          { instance: this.instance, pid: abandoned.pid },
          'ended our previous lease session, still open at the server',
        );
    } catch (error) {
      this.logger.warn(
        { err: error, pid: abandoned.pid },
        'could not end our previous lease session; its locks go when the server drops it',
      );
    }
  }

  /** Who holds what this instance wants: the application_name of the session holding each lock. */
  private async readHolders(client: Client): Promise<LeaseHolders> {
    const { rows } = await client.query<{ symbol: string; holder: string | null }>(
      `SELECT s.symbol, NULLIF(a.application_name, '') AS holder
         FROM unnest($1::text[]) AS s(symbol)
         CROSS JOIN LATERAL (SELECT hashtextextended($2 || s.symbol, 0) AS key) k
         JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = ((k.key >> 32) & 4294967295)::oid AND l.objid = (k.key & 4294967295)::oid
         LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.pid <> pg_backend_pid()
        ORDER BY s.symbol`,
      [this.symbols, leaseName('')],
    );
    const holders: Record<string, string | null> = {};
    for (const row of rows) holders[row.symbol] = row.holder;
    return holders;
  }

  private async session(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.databaseUrl,
      application_name: this.instance,
      keepAlive: true,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: this.queryTimeoutMs,
      options: SERVER_KEEPALIVE_OPTIONS,
    });
    client.on('error', (error: Error) => {
      if (this.client === client) this.onSessionFailure(`lease session error: ${error.message}`);
    });
    client.on('end', () => {
      if (this.client === client) this.onSessionFailure('lease session closed');
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number; started: string }>(
        `SELECT pid, ${BACKEND_START_US} AS started FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
      );
      this.sessionIdentity = { pid: rows[0].pid, backendStartUs: rows[0].started };
    } catch (error) {
      await this.endQuietly(client);
      throw error;
    }
    if (this.closed) {
      await this.endQuietly(client);
      throw new Error('shutting down');
    }
    this.client = client;
    return client;
  }

  /**
   * The session is gone or cannot be trusted: whatever locks it had are (or will be, once the server notices)
   * released. Drop it, so the next round starts a fresh one, and tell the traders at once if we held the lease.
   */
  private onSessionFailure(reason: string): void {
    const client = this.client;
    this.client = null;
    if (client) {
      this.abandoned = this.sessionIdentity;
      void this.endQuietly(client);
    }
    this.sessionIdentity = null;
    if (this.closed) return;
    this.lastError = reason;
    if (this.state === 'taking-over') {
      // Never traded under this take-over: nothing to stop, nobody to tell.
      this.setState('lost');
      this.logger.warn({ instance: this.instance, reason }, 'symbol lease lost while taking over');
      return;
    }
    if (this.state !== 'owned') {
      this.logger.warn({ instance: this.instance, reason }, 'symbol lease not acquired');
      return;
    }
    this.losses += 1;
    this.retryNotBeforeMs = this.clock.nowMs() + LOSS_BACKOFF_CHECKS * this.checkMs;
    this.setState('lost');
    this.logger.error({ instance: this.instance, symbols: this.symbols, reason }, `symbol lease lost: ${reason}`);
    this.events.publish('ownership.changed', { state: 'lost', symbols: this.symbols, instance: this.instance, reason });
  }

  /** Ends the session politely if the server answers, or cuts the socket (which frees nothing at the server, but frees us). */
  private async endQuietly(client: Client): Promise<void> {
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    const ended = await Promise.race([
      client.end().then(
        () => true,
        () => true,
      ),
      delay(END_TIMEOUT_MS).then(() => false),
    ]);
    // pg has no public way to drop a connection without the goodbye; its socket is `connection.stream`.
    if (!ended) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }

  private get queryTimeoutMs(): number {
    return Math.max(MIN_QUERY_TIMEOUT_MS, 2 * this.checkMs);
  }

  private setState(next: OwnershipState): void {
    if (next === this.state) return;
    this.state = next;
    this.since = this.clock.now();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
