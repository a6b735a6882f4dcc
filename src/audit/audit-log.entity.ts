import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The closed list of audited operations; the PostgreSQL enum `audit_action` holds the same values. */
export const AUDIT_ACTIONS = [
  'ORDER_CREATE',
  'ORDER_AMEND',
  'ORDER_CANCEL',
  'ORDER_FILL',
  'ORDER_REJECT',
  'ORDER_STATUS_CHANGE',
  'POSITION_OPEN',
  'POSITION_UPDATE',
  'POSITION_CLOSE',
  'RISK_REJECTION',
  'KILL_SWITCH_CHANGE',
  'BOT_START',
  'BOT_STOP',
  'CONFIG_CHANGE',
  'PASSWORD_CHANGE',
  'LOGIN_FAILED',
  'RECONCILIATION_FIX',
  'CIRCUIT_BREAKER_CHANGE',
  // Added by migration 1764000000200 (PostgreSQL appends a new enum value at the end, so the order matches).
  'RECONCILIATION_RUN',
  // Added by migration 1764000000500.
  'SYMBOL_OWNERSHIP_CHANGE',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Row of `audit_logs`. The table is append-only in the database itself (triggers refuse UPDATE, DELETE and
 * TRUNCATE), and AuditRepository has no method that could try. Only AuditRepository touches this class.
 */
@Entity({ name: 'audit_logs' })
export class AuditLogEntity {
  /** bigint identity; pg returns int8 as a string, which is kept rather than risking precision. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'timestamp', type: 'timestamptz', default: () => 'now()' })
  timestamp: Date;

  @Column({ type: 'enum', enum: AUDIT_ACTIONS, enumName: 'audit_action' })
  action: AuditAction;

  /** e.g. order, position, bot, auth, risk. */
  @Column({ name: 'entity_type', type: 'varchar', length: 32 })
  entityType: string;

  @Column({ name: 'entity_id', type: 'varchar', length: 64, nullable: true })
  entityId: string | null;

  /** Who caused it: the operator, `system`, `bot`, `recovery`, or a client address. */
  @Column({ type: 'varchar', length: 64, default: 'system' })
  actor: string;

  @Column({ name: 'old_value', type: 'jsonb', nullable: true })
  oldValue: unknown;

  @Column({ name: 'new_value', type: 'jsonb', nullable: true })
  newValue: unknown;

  /** Signal, market and indicator context, or whatever explains the operation. */
  @Column({ type: 'jsonb', nullable: true })
  context: unknown;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'trace_id', type: 'varchar', length: 64, nullable: true })
  traceId: string | null;

  @Column({ type: 'boolean', default: true })
  success: boolean;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;
}
