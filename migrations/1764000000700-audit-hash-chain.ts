import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Makes the append-only `audit_logs` tamper-evident: every row carries `row_hash = sha256(its content, its
 * position chain_seq and prev_hash)`, and `prev_hash` is the previous row's `row_hash`, so editing, removing or
 * re-ordering any row (e.g. by a superuser who bypasses the append-only triggers) breaks the chain from there on.
 *
 * The hash is computed by a BEFORE INSERT trigger, so no writer can skip it or choose the values. Concurrent
 * inserts form one chain because the trigger locks the single chain-head row (`audit_chain_head`) until its
 * transaction ends: audit rows are written after the fact in their own short autocommit statements, off the
 * trading hot path, so this serialises audit writers only. The trigger is SECURITY DEFINER so that a role allowed
 * only to INSERT into audit_logs still advances the head it cannot otherwise write. Existing rows are chained here,
 * in id order.
 */
export class AuditHashChain1764000000700 implements MigrationInterface {
  name = 'AuditHashChain1764000000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE audit_logs
        ADD COLUMN chain_seq bigint,
        ADD COLUMN prev_hash bytea,
        ADD COLUMN row_hash  bytea
    `);
    await queryRunner.query(`
      CREATE TABLE audit_chain_head (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        seq       bigint  NOT NULL,
        hash      bytea   NOT NULL
      )
    `);
    // Genesis: seq 0 and 32 zero bytes, so the first row's prev_hash is defined.
    await queryRunner.query(`INSERT INTO audit_chain_head (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'))`);
    // The canonical text of a row is a JSON array: jsonb's text form is deterministic (normalised JSONB, numbers
    // as written, keys sorted), distinguishes NULL from '', and the timestamp is rendered in UTC so the session's
    // TimeZone cannot change it. Any new audit column must be added here by a later migration.
    await queryRunner.query(`
      CREATE FUNCTION audit_logs_row_hash(r audit_logs) RETURNS bytea
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      SET search_path FROM CURRENT
      AS $$
        SELECT sha256(convert_to(jsonb_build_array(
          r.chain_seq,
          r.id,
          to_char(r."timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          r.action::text,
          r.entity_type,
          r.entity_id,
          r.actor,
          r.old_value,
          r.new_value,
          r.context,
          r.reason,
          r.trace_id,
          r.success,
          r.error_message,
          encode(r.prev_hash, 'hex')
        )::text, 'UTF8'))
      $$
    `);
    await queryRunner.query(`
      CREATE FUNCTION audit_logs_chain() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER
      SET search_path FROM CURRENT
      AS $$
      DECLARE
        head audit_chain_head%ROWTYPE;
      BEGIN
        -- The row lock is the chain's mutex: a concurrent inserter waits here until this transaction ends and
        -- then reads the head this one wrote (READ COMMITTED re-checks the locked row).
        SELECT * INTO STRICT head FROM audit_chain_head WHERE singleton FOR UPDATE;
        NEW.chain_seq := head.seq + 1;
        NEW.prev_hash := head.hash;
        NEW.row_hash := audit_logs_row_hash(NEW);
        UPDATE audit_chain_head SET seq = NEW.chain_seq, hash = NEW.row_hash WHERE singleton;
        RETURN NEW;
      END
      $$
    `);
    await queryRunner.query(`REVOKE ALL ON FUNCTION audit_logs_chain() FROM PUBLIC`);
    // Named to fire after any other BEFORE INSERT trigger (they fire in name order), so nothing changes NEW
    // after it has been hashed.
    await queryRunner.query(`
      CREATE TRIGGER trg_audit_logs_zz_hash_chain
        BEFORE INSERT ON audit_logs
        FOR EACH ROW EXECUTE FUNCTION audit_logs_chain()
    `);

    // Chain the rows written before this migration, oldest id first. Updating them needs the append-only
    // trigger off for the duration of this transaction (ALTER TABLE holds an exclusive lock meanwhile).
    await queryRunner.query(`ALTER TABLE audit_logs DISABLE TRIGGER trg_audit_logs_append_only`);
    await queryRunner.query(`
      DO $$
      DECLARE
        r audit_logs%ROWTYPE;
        last_seq bigint := 0;
        last_hash bytea := decode(repeat('00', 32), 'hex');
      BEGIN
        FOR r IN SELECT * FROM audit_logs ORDER BY id LOOP
          last_seq := last_seq + 1;
          r.chain_seq := last_seq;
          r.prev_hash := last_hash;
          last_hash := audit_logs_row_hash(r);
          UPDATE audit_logs SET chain_seq = last_seq, prev_hash = r.prev_hash, row_hash = last_hash WHERE id = r.id;
        END LOOP;
        UPDATE audit_chain_head SET seq = last_seq, hash = last_hash WHERE singleton;
      END
      $$
    `);
    await queryRunner.query(`ALTER TABLE audit_logs ENABLE TRIGGER trg_audit_logs_append_only`);
    await queryRunner.query(`
      ALTER TABLE audit_logs
        ALTER COLUMN chain_seq SET NOT NULL,
        ALTER COLUMN prev_hash SET NOT NULL,
        ALTER COLUMN row_hash  SET NOT NULL
    `);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_audit_logs_chain_seq ON audit_logs (chain_seq)`);
    // The head holds nothing secret; whoever may verify the chain may read it.
    await queryRunner.query(`GRANT SELECT ON audit_chain_head TO PUBLIC`);
    await queryRunner.query(
      `COMMENT ON TABLE audit_chain_head IS 'Last link of the audit_logs hash chain; advanced only by trg_audit_logs_zz_hash_chain'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS trg_audit_logs_zz_hash_chain ON audit_logs`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS audit_logs_chain()`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS audit_logs_row_hash(audit_logs)`);
    await queryRunner.query(`DROP TABLE IF EXISTS audit_chain_head`);
    await queryRunner.query(`DROP INDEX IF EXISTS uq_audit_logs_chain_seq`);
    await queryRunner.query(
      `ALTER TABLE audit_logs DROP COLUMN row_hash, DROP COLUMN prev_hash, DROP COLUMN chain_seq`,
    );
  }
}
