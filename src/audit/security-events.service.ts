import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { EventBus } from '../infra/events/event-bus';
import { SecurityEventCount, SecurityEventCounter } from './domain/security-event-counter';

/** Distinct (minute, kind, address) keys held between flushes; beyond it counts go under one overflow key. */
const MAX_PENDING_KEYS = 10_000;
const FLUSH_INTERVAL_MS = 5_000;
/** Counts older than this are deleted: they explain an incident, they are not a permanent record. */
export const SECURITY_EVENT_RETENTION_DAYS = 30;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Failed and throttled logins by unauthenticated callers (`auth.login-failed`), counted per client address and
 * minute in memory and upserted into security_event_counts every few seconds: a flood costs one row per address
 * and minute, not one permanent audit row per request, and the rows expire. Password checks failed by an
 * authenticated principal stay in the audit trail (`auth.password-check-failed`, see operator.audit-mapping).
 */
@Injectable()
export class SecurityEventsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SecurityEventsService.name);
  private readonly counter = new SecurityEventCounter(MAX_PENDING_KEYS);
  private unsubscribe?: () => void;
  private flushTimer?: NodeJS.Timeout;
  private purgeTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.on('auth.login-failed', (event) => {
      this.counter.add(event.throttled ? 'login_throttled' : 'login_failed', event.clientAddress, this.clock.nowMs());
    });
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.flushTimer);
    clearInterval(this.purgeTimer);
    await this.flush();
  }

  /** Stores what is pending (one statement); never rejects, keeps the counts for the next try on failure. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.store(this.counter.take()));
    return this.flushing;
  }

  /** The newest counts first, after storing what is pending. */
  async recent(limit: number): Promise<SecurityEventCount[]> {
    await this.flush();
    const rows: Array<{
      window_start: Date;
      kind: SecurityEventCount['kind'];
      client_address: string;
      count: number;
      last_seen: Date;
    }> = await this.db.query(
      `SELECT window_start, kind, client_address, count, last_seen FROM security_event_counts
        ORDER BY window_start DESC, count DESC, client_address LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      windowStart: r.window_start,
      kind: r.kind,
      clientAddress: r.client_address,
      count: r.count,
      lastSeen: r.last_seen,
    }));
  }

  private async store(counts: SecurityEventCount[]): Promise<void> {
    if (counts.length === 0) return;
    try {
      await this.db.query(
        `INSERT INTO security_event_counts (window_start, kind, client_address, count, last_seen)
         SELECT * FROM unnest($1::timestamptz[], $2::varchar[], $3::varchar[], $4::int[], $5::timestamptz[])
         ON CONFLICT (window_start, kind, client_address) DO UPDATE
           SET count = security_event_counts.count + EXCLUDED.count,
               last_seen = GREATEST(security_event_counts.last_seen, EXCLUDED.last_seen)`,
        [
          counts.map((c) => c.windowStart),
          counts.map((c) => c.kind),
          counts.map((c) => c.clientAddress),
          counts.map((c) => c.count),
          counts.map((c) => c.lastSeen),
        ],
      );
      if (this.failing) this.logger.log('security event counts are stored again');
      this.failing = false;
    } catch (error: unknown) {
      this.counter.restore(counts);
      // Once per outage, not once per flush.
      if (!this.failing) this.logger.warn({ err: error }, 'could not store security event counts; kept in memory');
      this.failing = true;
    }
  }

  private async purge(): Promise<void> {
    try {
      await this.db.query(`DELETE FROM security_event_counts WHERE window_start < now() - make_interval(days => $1)`, [
        SECURITY_EVENT_RETENTION_DAYS,
      ]);
    } catch (error: unknown) {
      this.logger.warn({ err: error }, 'could not delete expired security event counts');
    }
  }
}
