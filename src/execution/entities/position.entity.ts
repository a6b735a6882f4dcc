import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { ORDER_SIDES, POSITION_STATUSES } from '../domain/order-vocabulary';
import type { JsonObject, OrderSide, PositionStatus, StateTransitionRecord } from '../domain/order-vocabulary';
export { POSITION_STATUSES, LIVE_POSITION_STATUSES } from '../domain/order-vocabulary';
export type { PositionStatus } from '../domain/order-vocabulary';

/**
 * Row of `positions`, with the signal, market and indicator context at open and at close for later analysis.
 * Only PositionRepository touches this class; writes after the insert go through updateWithVersion.
 */
@Entity({ name: 'positions' })
export class PositionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 32 })
  symbol: string;

  @Column({ type: 'enum', enum: ORDER_SIDES, enumName: 'order_side' })
  side: OrderSide;

  @Column({ type: 'enum', enum: POSITION_STATUSES, enumName: 'position_status', default: 'Opening' })
  status: PositionStatus;

  @Column({ type: 'numeric' })
  quantity: string;

  /** Null until the opening order fills. */
  @Column({ name: 'entry_price', type: 'numeric', nullable: true })
  entryPrice: string | null;

  @Column({ name: 'exit_price', type: 'numeric', nullable: true })
  exitPrice: string | null;

  @Column({ name: 'unrealized_pnl', type: 'numeric', default: '0' })
  unrealizedPnl: string;

  @Column({ name: 'realized_pnl', type: 'numeric', default: '0' })
  realizedPnl: string;

  @Column({ type: 'numeric', default: '0' })
  fees: string;

  @Column({ name: 'take_profit', type: 'numeric', nullable: true })
  takeProfit: string | null;

  @Column({ name: 'stop_loss', type: 'numeric', nullable: true })
  stopLoss: string | null;

  @Column({ name: 'entry_reason', type: 'text', nullable: true })
  entryReason: string | null;

  @Column({ name: 'exit_reason', type: 'varchar', length: 64, nullable: true })
  exitReason: string | null;

  @Column({ name: 'signal_data', type: 'jsonb', nullable: true })
  signalData: JsonObject | null;

  @Column({ name: 'entry_market_data', type: 'jsonb', nullable: true })
  entryMarketData: JsonObject | null;

  @Column({ name: 'entry_indicators', type: 'jsonb', nullable: true })
  entryIndicators: JsonObject | null;

  @Column({ name: 'exit_signal_data', type: 'jsonb', nullable: true })
  exitSignalData: JsonObject | null;

  @Column({ name: 'exit_market_data', type: 'jsonb', nullable: true })
  exitMarketData: JsonObject | null;

  @Column({ name: 'exit_indicators', type: 'jsonb', nullable: true })
  exitIndicators: JsonObject | null;

  /** Size closed so far (sum of reducing fills), for the running average exit price. */
  @Column({ name: 'exited_quantity', type: 'numeric', default: '0' })
  exitedQuantity: string;

  /** Exit orders sent so far; the next exit order's orderLinkId uses this number. */
  @Column({ name: 'exit_attempts', type: 'integer', default: 0 })
  exitAttempts: number;

  @Column({ name: 'state_history', type: 'jsonb', default: () => "'[]'::jsonb" })
  stateHistory: StateTransitionRecord[];

  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'trace_id', type: 'varchar', length: 64, nullable: true })
  traceId: string | null;

  @VersionColumn({ type: 'integer', default: 1 })
  version: number;
}
