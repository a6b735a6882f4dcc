import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

export {
  ORDER_SIDES,
  ORDER_TYPES,
  ORDER_STATUSES,
  ACTIVE_ORDER_STATUSES,
  TIME_IN_FORCE,
} from '../domain/order-vocabulary';
export type {
  OrderSide,
  OrderType,
  OrderStatus,
  TimeInForce,
  JsonObject,
  StateTransitionRecord,
} from '../domain/order-vocabulary';
import { ORDER_SIDES, ORDER_STATUSES, ORDER_TYPES } from '../domain/order-vocabulary';
import type {
  JsonObject,
  OrderSide,
  OrderStatus,
  OrderType,
  StateTransitionRecord,
  TimeInForce,
} from '../domain/order-vocabulary';

/**
 * Row of `orders`. Money and sizes are NUMERIC and stay decimal strings here: never floats.
 * Only OrderRepository touches this class; writes after the insert go through updateWithVersion.
 */
@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Bybit orderLinkId (≤ 36 characters), deterministic per signal; unique. */
  @Column({ name: 'client_order_id', type: 'varchar', length: 36 })
  clientOrderId: string;

  @Column({ name: 'exchange_order_id', type: 'varchar', length: 64, nullable: true })
  exchangeOrderId: string | null;

  @Column({ type: 'varchar', length: 32 })
  symbol: string;

  @Column({ type: 'enum', enum: ORDER_SIDES, enumName: 'order_side' })
  side: OrderSide;

  @Column({ name: 'order_type', type: 'enum', enum: ORDER_TYPES, enumName: 'order_type' })
  orderType: OrderType;

  @Column({ type: 'enum', enum: ORDER_STATUSES, enumName: 'order_status', default: 'Pending' })
  status: OrderStatus;

  @Column({ name: 'time_in_force', type: 'varchar', length: 16, default: 'GTC' })
  timeInForce: TimeInForce;

  @Column({ type: 'numeric' })
  quantity: string;

  /** Null for market orders. */
  @Column({ type: 'numeric', nullable: true })
  price: string | null;

  @Column({ name: 'filled_quantity', type: 'numeric', default: '0' })
  filledQuantity: string;

  @Column({ name: 'avg_fill_price', type: 'numeric', nullable: true })
  avgFillPrice: string | null;

  @Column({ type: 'numeric', default: '0' })
  fee: string;

  @Column({ name: 'reduce_only', type: 'boolean', default: false })
  reduceOnly: boolean;

  @Column({ name: 'position_id', type: 'uuid', nullable: true })
  positionId: string | null;

  @Column({ name: 'signal_data', type: 'jsonb', nullable: true })
  signalData: JsonObject | null;

  @Column({ name: 'market_data', type: 'jsonb', nullable: true })
  marketData: JsonObject | null;

  @Column({ type: 'jsonb', nullable: true })
  indicators: JsonObject | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'state_history', type: 'jsonb', default: () => "'[]'::jsonb" })
  stateHistory: StateTransitionRecord[];

  @Column({ name: 'trace_id', type: 'varchar', length: 64, nullable: true })
  traceId: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'placed_at', type: 'timestamptz', nullable: true })
  placedAt: Date | null;

  @Column({ name: 'filled_at', type: 'timestamptz', nullable: true })
  filledAt: Date | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @VersionColumn({ type: 'integer', default: 1 })
  version: number;
}
