import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Row of `risk_state` (migration 1764000000300): the kill switch and the UTC day's realised PnL of one account
 * scope. Only RiskStateRepository touches this class; its writes are single SQL statements so instances add up.
 */
@Entity({ name: 'risk_state' })
export class RiskStateEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  /** 'YYYY-MM-DD' (TypeORM returns a date column as a string). */
  @Column({ name: 'trading_day', type: 'date' })
  tradingDay: string;

  /** Decimal string (numeric), negative = loss. */
  @Column({ name: 'realised_pnl', type: 'numeric' })
  realisedPnl: string;

  @Column({ type: 'numeric' })
  baseline: string;

  @Column({ type: 'boolean' })
  active: boolean;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'changed_at', type: 'timestamptz', nullable: true })
  changedAt: Date | null;

  @Column({ name: 'changed_by', type: 'varchar', length: 100, nullable: true })
  changedBy: string | null;

  @Column({ type: 'integer' })
  version: number;
}
