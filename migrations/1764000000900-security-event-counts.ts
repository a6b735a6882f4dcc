import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed and throttled logins of unauthenticated callers, counted per client address and minute instead of one
 * permanent audit_logs row each (3,000 junk requests were 3,000 undeletable rows). Rows expire: the app deletes
 * those older than the retention, so this table, unlike audit_logs, is neither append-only nor audited.
 */
export class SecurityEventCounts1764000000900 implements MigrationInterface {
  name = 'SecurityEventCounts1764000000900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE security_event_counts (
        window_start timestamptz NOT NULL,
        kind varchar(32) NOT NULL,
        client_address varchar(64) NOT NULL,
        count integer NOT NULL CHECK (count > 0),
        last_seen timestamptz NOT NULL,
        PRIMARY KEY (window_start, kind, client_address)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE security_event_counts`);
  }
}
