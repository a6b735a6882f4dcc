import { MigrationInterface, QueryRunner } from 'typeorm';

/** Group role the application's login role is a member of (`GRANT bybit_scalper_app TO <login>`). */
export const APP_GROUP_ROLE = 'bybit_scalper_app';
/**
 * Owns market_data_snapshots and its partitions, nothing else: the app's daily partition upkeep (and a
 * TimescaleDB retention policy) needs the parent's ownership. Granted to APP_GROUP_ROLE.
 */
export const SNAPSHOT_OWNER_ROLE = 'bybit_scalper_snapshot_owner';

/**
 * Least privilege for the running app (issue 13 item 10). Migrations run as the schema owner
 * (DATABASE_MIGRATION_URL); the app connects as a login role that is a member of `bybit_scalper_app`, which gets:
 * - SELECT, INSERT, UPDATE, DELETE on the tables, USAGE/SELECT on sequences, now and for tables created later by
 *   the owner (default privileges); no TRUNCATE, REFERENCES or TRIGGER;
 * - on audit_logs only SELECT and INSERT: without ownership it can neither UPDATE/DELETE rows nor ALTER/DISABLE/
 *   DROP the append-only triggers;
 * - through `bybit_scalper_snapshot_owner`, ownership of market_data_snapshots and CREATE on the schema, for the
 *   daily partitions only.
 * Roles are cluster-wide: created here when missing (needs CREATEROLE; else a DBA creates them first).
 */
export class LeastPrivilegeAppRole1764000000910 implements MigrationInterface {
  name = 'LeastPrivilegeAppRole1764000000910';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const role of [APP_GROUP_ROLE, SNAPSHOT_OWNER_ROLE]) {
      // Two databases of one cluster may migrate at once: either may see the other's new role.
      await queryRunner.query(`
        DO $$ BEGIN
          CREATE ROLE ${role} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$`);
    }
    await queryRunner.query(`
      DO $$ BEGIN
        -- ALTER ... OWNER TO needs the migrating role to be able to SET ROLE to the new owner.
        IF NOT pg_has_role(current_user, '${SNAPSHOT_OWNER_ROLE}', 'MEMBER') THEN
          EXECUTE format('GRANT ${SNAPSHOT_OWNER_ROLE} TO %I', current_user);
        END IF;
      END $$`);
    await queryRunner.query(`GRANT ${SNAPSHOT_OWNER_ROLE} TO ${APP_GROUP_ROLE}`);
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO ${APP_GROUP_ROLE}`);
    await queryRunner.query(`GRANT CREATE ON SCHEMA public TO ${SNAPSHOT_OWNER_ROLE}`);
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_GROUP_ROLE}`);
    await queryRunner.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${APP_GROUP_ROLE}`);
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_logs FROM ${APP_GROUP_ROLE}`);
    // The hash chain's head is moved only by the SECURITY DEFINER insert trigger (migration 1764000000700).
    await queryRunner.query(`REVOKE ALL ON audit_chain_head FROM ${APP_GROUP_ROLE}`);
    await queryRunner.query(`REVOKE ALL ON schema_migrations FROM ${APP_GROUP_ROLE}`);
    await queryRunner.query(`GRANT SELECT ON schema_migrations TO ${APP_GROUP_ROLE}`);
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_GROUP_ROLE}`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${APP_GROUP_ROLE}`,
    );
    // The parent and every existing partition (partitioned mode); a hypertable's chunks follow their parent.
    await queryRunner.query(`
      DO $$ DECLARE part regclass;
      BEGIN
        IF to_regclass('market_data_snapshots') IS NULL THEN RETURN; END IF;
        EXECUTE 'ALTER TABLE market_data_snapshots OWNER TO ${SNAPSHOT_OWNER_ROLE}';
        FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'market_data_snapshots'::regclass
        LOOP
          EXECUTE format('ALTER TABLE %s OWNER TO ${SNAPSHOT_OWNER_ROLE}', part);
        END LOOP;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$ DECLARE part regclass;
      BEGIN
        IF to_regclass('market_data_snapshots') IS NULL THEN RETURN; END IF;
        EXECUTE format('ALTER TABLE market_data_snapshots OWNER TO %I', current_user);
        FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'market_data_snapshots'::regclass
        LOOP
          EXECUTE format('ALTER TABLE %s OWNER TO %I', part, current_user);
        END LOOP;
      END $$`);
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM ${APP_GROUP_ROLE}`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ${APP_GROUP_ROLE}`,
    );
    await queryRunner.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${APP_GROUP_ROLE}`);
    await queryRunner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP_GROUP_ROLE}`);
    await queryRunner.query(`REVOKE CREATE ON SCHEMA public FROM ${SNAPSHOT_OWNER_ROLE}`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM ${APP_GROUP_ROLE}`);
    // The roles stay: they are cluster-wide and other databases of the cluster may use them.
  }
}
