import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit action for a completed reconciliation run (recovery.completed), beside RECONCILIATION_FIX for each
 * discrepancy it repaired. ADD VALUE runs inside this migration's own transaction (migrationsTransactionMode
 * 'each'): PostgreSQL 12+ allows that, the new value only becoming usable after the commit, and nothing here
 * uses it. The value is appended last, matching AUDIT_ACTIONS.
 */
export class AuditReconciliationRun1764000000200 implements MigrationInterface {
  name = 'AuditReconciliationRun1764000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TYPE audit_action ADD VALUE IF NOT EXISTS 'RECONCILIATION_RUN'`);
  }

  /**
   * Deliberately a no-op: PostgreSQL cannot drop a value from an enum, and recreating the type would mean
   * rewriting audit_logs, which its append-only triggers forbid. An unused extra value is harmless, and up()
   * is idempotent (IF NOT EXISTS) if this migration is applied again.
   */
  async down(): Promise<void> {
    // Nothing to undo; see above.
  }
}
