import { MigrationInterface, QueryRunner } from 'typeorm';

/** Audit action for a symbol lease acquired or lost by an instance (ownership.changed, SPEC §12). */
export class AuditSymbolOwnership1764000000500 implements MigrationInterface {
  name = 'AuditSymbolOwnership1764000000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TYPE audit_action ADD VALUE IF NOT EXISTS 'SYMBOL_OWNERSHIP_CHANGE'`);
  }

  /** A no-op, as in 1764000000200: an enum value cannot be dropped, and an unused one is harmless. */
  async down(): Promise<void> {
    // Nothing to undo.
  }
}
