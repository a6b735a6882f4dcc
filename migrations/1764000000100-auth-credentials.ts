import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The single operator's credentials. One row at most (id = 1, enforced by CHECK), so "the password" is a
 * row the database itself keeps unique and instances sharing the database agree on.
 * password_version is stamped into every JWT (`pwv`); bumping it on a change revokes older tokens everywhere.
 */
export class AuthCredentials1764000000100 implements MigrationInterface {
  name = 'AuthCredentials1764000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE auth_credentials (
        id               smallint    NOT NULL DEFAULT 1,
        password_hash    text        NOT NULL,
        password_version integer     NOT NULL DEFAULT 1,
        changed_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_auth_credentials PRIMARY KEY (id),
        CONSTRAINT ck_auth_credentials_singleton CHECK (id = 1),
        CONSTRAINT ck_auth_credentials_version_positive CHECK (password_version >= 1),
        -- A bcrypt hash is always 60 characters starting with $2; this refuses a plaintext password by mistake.
        CONSTRAINT ck_auth_credentials_bcrypt_hash CHECK (char_length(password_hash) = 60 AND password_hash LIKE '$2%')
      )
    `);
    await queryRunner.query(
      `COMMENT ON TABLE auth_credentials IS 'Operator password (bcrypt) and its version; single row id = 1'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS auth_credentials`);
  }
}
