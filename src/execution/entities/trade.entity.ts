import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { ORDER_SIDES, OrderSide } from './order.entity';

/**
 * Row of `trades`: one Bybit execution (fill) of an order. Immutable once written; `exec_id` is unique so the
 * same execution seen by WS and again by REST during recovery is stored once. Only TradeRepository touches it.
 */
@Entity({ name: 'trades' })
export class TradeEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Bybit execId. */
  @Column({ name: 'exec_id', type: 'varchar', length: 64 })
  execId: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'position_id', type: 'uuid', nullable: true })
  positionId: string | null;

  @Column({ type: 'varchar', length: 32 })
  symbol: string;

  @Column({ type: 'enum', enum: ORDER_SIDES, enumName: 'order_side' })
  side: OrderSide;

  @Column({ type: 'numeric' })
  price: string;

  @Column({ type: 'numeric' })
  quantity: string;

  /** Negative for a maker rebate. */
  @Column({ type: 'numeric', default: '0' })
  fee: string;

  @Column({ name: 'fee_currency', type: 'varchar', length: 16, nullable: true })
  feeCurrency: string | null;

  @Column({ name: 'is_maker', type: 'boolean', default: false })
  isMaker: boolean;

  @Column({ name: 'executed_at', type: 'timestamptz' })
  executedAt: Date;

  @Column({ name: 'trace_id', type: 'varchar', length: 64, nullable: true })
  traceId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
