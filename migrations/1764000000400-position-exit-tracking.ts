import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exit bookkeeping on positions: the size closed so far (so the average exit price can be extended fill by fill
 * without re-reading every execution) and the number of exit orders sent (each exit order's orderLinkId carries
 * its attempt number, so a retried exit is a new id and a replayed one is the same id).
 */
export class PositionExitTracking1764000000400 implements MigrationInterface {
  name = 'PositionExitTracking1764000000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE positions ADD COLUMN exited_quantity numeric NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE positions ADD COLUMN exit_attempts integer NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `ALTER TABLE positions ADD CONSTRAINT ck_positions_exited_quantity_non_negative CHECK (exited_quantity >= 0)`,
    );
    await queryRunner.query(
      `ALTER TABLE positions ADD CONSTRAINT ck_positions_exit_attempts_non_negative CHECK (exit_attempts >= 0)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE positions DROP COLUMN exit_attempts`);
    await queryRunner.query(`ALTER TABLE positions DROP COLUMN exited_quantity`);
  }
}
