import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An exchange order id is the venue's, not ours: a simulator account created again (SIM_RESET) or a venue bug can
 * hand out one a stored row already holds, and a UNIQUE constraint then refused every write of the new order (stuck
 * Pending while its position was open at the exchange, with no exit). Orders are keyed by client_order_id (unique);
 * exchange_order_id keeps a plain index for look-ups, and a repeat is reported by OrderRepository as a collision.
 */
export class OrdersExchangeOrderIdNotUnique1764000000800 implements MigrationInterface {
  name = 'OrdersExchangeOrderIdNotUnique1764000000800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orders DROP CONSTRAINT IF EXISTS uq_orders_exchange_order_id`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_orders_exchange_order_id ON orders (exchange_order_id) WHERE exchange_order_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS idx_orders_exchange_order_id`);
    await queryRunner.query(`ALTER TABLE orders ADD CONSTRAINT uq_orders_exchange_order_id UNIQUE (exchange_order_id)`);
  }
}
