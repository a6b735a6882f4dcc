import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import { Clock } from '../common/clock';
import { EventBus } from '../infra/events/event-bus';
import { DomainEventName, DomainEvents } from '../infra/events/domain-events';
import { AuditLogEntity } from './audit-log.entity';
import { AuditChainReport } from './audit-chain.verifier';
import { AuditEntry, AuditQuery, AuditRepository } from './audit.repository';
import { AUDIT_MAPPINGS } from './mappings/audit-mappings';

export type { AuditEntry } from './audit.repository';

/** How long a stop waits for audit rows still being written. */
const SHUTDOWN_DRAIN_MS = 3000;

/** One page of the trail: its rows (newest first) and how many rows match the filters in all. */
export interface AuditPage {
  readonly rows: AuditLogEntity[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

/**
 * Writes the audit trail from domain events (nobody imports this module to write: the trading modules publish
 * after-the-fact events, so an audit failure can never fail or slow the operation it describes) and serves reads.
 * What each event writes is in mappings/; this class only subscribes, writes and reads.
 */
@Injectable()
export class AuditService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuditService.name);
  private readonly unsubscribes: Array<() => void> = [];
  private failedWrites = 0;
  /** Event rows being written: shutdown waits for them so a stop never cuts the trail's last rows. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly audit: AuditRepository,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    for (const name of Object.keys(AUDIT_MAPPINGS) as DomainEventName[]) {
      // K is correlated between the key and its mapping, which TypeScript cannot follow through a loop over keys.
      const toEntry = AUDIT_MAPPINGS[name] as (event: DomainEvents[DomainEventName]) => AuditEntry;
      this.unsubscribes.push(this.events.on(name, (event) => this.track(this.recordEvent(name, () => toEntry(event)))));
    }
  }

  /** Runs before the database connection closes (TypeORM closes it at application shutdown). */
  async onModuleDestroy(): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_DRAIN_MS);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), patience]);
    clearTimeout(timer);
  }

  /** Event rows lost since start (each also logged as an error): the metrics' audit_write_failures_total. */
  get writeFailures(): number {
    return this.failedWrites;
  }

  /** Appends one row, stamped `happenedAt` (default: the database's now()); a failed write rejects. */
  record(entry: AuditEntry, happenedAt?: Date): Promise<AuditLogEntity> {
    return this.audit.append({ ...entry, traceId: entry.traceId ?? currentTraceId() ?? null, timestamp: happenedAt });
  }

  verifyChain(): Promise<AuditChainReport> {
    return this.audit.verifyChain();
  }

  list(filters: AuditQuery): Promise<AuditLogEntity[]> {
    return this.audit.query(filters);
  }

  async page(filters: AuditQuery & { readonly limit: number; readonly offset: number }): Promise<AuditPage> {
    const [rows, total] = await Promise.all([this.audit.query(filters), this.audit.count(filters)]);
    return { rows, total, limit: filters.limit, offset: filters.offset };
  }

  private track(write: Promise<void>): Promise<void> {
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
    return write;
  }

  /**
   * Never rejects: the row is lost, but the log line says which event it was (with its trace id) so the gap
   * in the trail can be explained and filled by hand.
   */
  private async recordEvent(event: DomainEventName, toEntry: () => AuditEntry): Promise<void> {
    // When it happened, not when a pooled connection got round to the INSERT: rows of events published one after
    // the other (a start, then a stop) were seen timestamped the other way round under load.
    const happenedAt = this.clock.now();
    let entry: AuditEntry | undefined;
    try {
      entry = toEntry();
      await this.record(entry, happenedAt);
    } catch (error: unknown) {
      this.failedWrites += 1;
      this.logger.error(
        { err: error, event, action: entry?.action, traceId: entry?.traceId },
        `audit write for ${event} failed`,
      );
    }
  }
}

/**
 * The trace id of the request, WS message or bot operation in progress, if any. Read straight from nestjs-cls
 * (the tracing module keeps the trace id as the CLS id) so audit does not depend on the tracing module.
 */
function currentTraceId(): string | undefined {
  try {
    const cls = ClsServiceManager.getClsService();
    return cls.isActive() ? cls.getId() : undefined;
  } catch {
    // No ClsModule registered (e.g. a test or a CLI): no trace context, which is not an error.
    return undefined;
  }
}
