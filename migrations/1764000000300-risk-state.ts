import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The daily-loss kill switch, one row per account scope ('default'), shared by every instance on the database:
 * realised PnL is added in SQL (realised_pnl = realised_pnl + $1) so two instances' losses add up, and the
 * switch survives restarts. baseline is the day's realised PnL at the last reset: losses count from there.
 */
export class RiskState1764000000300 implements MigrationInterface {
  name = 'RiskState1764000000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE risk_state (
        key          varchar(64)  NOT NULL,
        trading_day  date         NOT NULL,
        realised_pnl numeric      NOT NULL DEFAULT 0,
        baseline     numeric      NOT NULL DEFAULT 0,
        active       boolean      NOT NULL DEFAULT false,
        reason       text,
        changed_at   timestamptz,
        changed_by   varchar(100),
        version      integer      NOT NULL DEFAULT 1,
        CONSTRAINT pk_risk_state PRIMARY KEY (key),
        CONSTRAINT ck_risk_state_version_positive CHECK (version >= 1),
        -- An active switch always says why and who: the status endpoint and the audit trail rely on it.
        CONSTRAINT ck_risk_state_active_explained CHECK (NOT active OR (reason IS NOT NULL AND changed_at IS NOT NULL AND changed_by IS NOT NULL))
      )
    `);
    await queryRunner.query(
      `COMMENT ON TABLE risk_state IS 'Daily realised PnL (UTC day) and the kill switch, one row per account scope'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS risk_state`);
  }
}
