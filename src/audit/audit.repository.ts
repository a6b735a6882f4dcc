import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { And, FindOptionsWhere, LessThan, MoreThanOrEqual, ObjectLiteral, Repository } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { rowToEntity } from '../infra/database/optimistic-lock';
import { AuditAction, AuditLogEntity } from './audit-log.entity';
import { AuditChainReport, verifyAuditChain } from './audit-chain.verifier';

/** A new audit row; `timestamp` defaults to the database's now(). */
export interface NewAuditRow {
  readonly action: AuditAction;
  readonly entityType: string;
  readonly entityId?: string | null;
  readonly actor?: string;
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
  readonly context?: unknown;
  readonly reason?: string | null;
  readonly traceId?: string | null;
  readonly success?: boolean;
  readonly errorMessage?: string | null;
  readonly timestamp?: Date;
}

/** What a caller records; the trace id is taken from the current trace context when not given. */
export type AuditEntry = Omit<NewAuditRow, 'timestamp'>;

export interface AuditQuery {
  readonly entityType?: string;
  readonly entityId?: string;
  readonly action?: AuditAction;
  readonly traceId?: string;
  readonly success?: boolean;
  /** Inclusive lower bound on timestamp. */
  readonly from?: Date;
  /** Exclusive upper bound on timestamp. */
  readonly to?: Date;
  /** 1..1000, default 100. */
  readonly limit?: number;
  readonly offset?: number;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/**
 * The audit trail: append and read, nothing else. There is deliberately no update or delete method; the
 * database would refuse them anyway (see migration 1764000000000).
 */
@Injectable()
export class AuditRepository {
  constructor(@InjectRepository(AuditLogEntity) private readonly logs: Repository<AuditLogEntity>) {}

  async append(row: NewAuditRow): Promise<AuditLogEntity> {
    const values: Partial<AuditLogEntity> = {
      action: row.action,
      entityType: row.entityType,
      entityId: row.entityId ?? null,
      actor: row.actor ?? 'system',
      oldValue: jsonOrNull(row.oldValue),
      newValue: jsonOrNull(row.newValue),
      context: jsonOrNull(row.context),
      reason: row.reason ?? null,
      traceId: row.traceId ?? null,
      success: row.success ?? true,
      errorMessage: row.errorMessage ?? null,
      ...(row.timestamp === undefined ? {} : { timestamp: row.timestamp }),
    };
    const result = await this.logs
      .createQueryBuilder()
      .insert()
      // Partial<AuditLogEntity> checked the values; TypeORM's deep-partial type cannot express opaque JSONB values.
      .values(values as QueryDeepPartialEntity<AuditLogEntity>)
      .returning('*')
      .execute();
    return rowToEntity(this.logs, (result.raw as ObjectLiteral[])[0]);
  }

  /**
   * Newest first, every filter optional and combined with AND. The shapes match the audit indexes: by entity
   * (entity_type, entity_id, timestamp), by trace id, by action and time, failures by time.
   */
  query(filters: AuditQuery = {}): Promise<AuditLogEntity[]> {
    return this.logs.find({
      where: whereOf(filters),
      order: { timestamp: 'DESC', id: 'DESC' },
      take: Math.min(Math.max(Math.floor(filters.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT),
      skip: Math.max(Math.floor(filters.offset ?? 0), 0),
    });
  }

  /** Re-hashes the whole chain in the database on a connection of its own; see verifyAuditChain. */
  async verifyChain(): Promise<AuditChainReport> {
    const runner = this.logs.manager.connection.createQueryRunner();
    await runner.connect();
    try {
      return await verifyAuditChain((sql, parameters) => runner.query(sql, parameters));
    } finally {
      await runner.release();
    }
  }

  /** How many rows match the same filters as query(), ignoring limit and offset (the total of a page). */
  count(filters: AuditQuery = {}): Promise<number> {
    return this.logs.count({ where: whereOf(filters) });
  }
}

function whereOf(filters: AuditQuery): FindOptionsWhere<AuditLogEntity> {
  const where: FindOptionsWhere<AuditLogEntity> = {};
  if (filters.entityType !== undefined) where.entityType = filters.entityType;
  if (filters.entityId !== undefined) where.entityId = filters.entityId;
  if (filters.action !== undefined) where.action = filters.action;
  if (filters.traceId !== undefined) where.traceId = filters.traceId;
  if (filters.success !== undefined) where.success = filters.success;
  if (filters.from !== undefined && filters.to !== undefined) {
    where.timestamp = And(MoreThanOrEqual(filters.from), LessThan(filters.to));
  } else if (filters.from !== undefined) {
    where.timestamp = MoreThanOrEqual(filters.from);
  } else if (filters.to !== undefined) {
    where.timestamp = LessThan(filters.to);
  }
  return where;
}

/** undefined means "not given"; stored as SQL NULL rather than JSON null so IS NULL queries read naturally. */
function jsonOrNull(value: unknown): unknown {
  return value === undefined ? null : value;
}
