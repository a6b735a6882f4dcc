import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Row of `auth_credentials`. The schema (single row id = 1, bcrypt-shaped hash) lives in migration
 * 1764000000100; only AuthCredentialsRepository touches this class.
 */
@Entity({ name: 'auth_credentials' })
export class AuthCredentialsEntity {
  @PrimaryColumn({ type: 'smallint' })
  id: number;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ name: 'password_version', type: 'integer' })
  passwordVersion: number;

  @Column({ name: 'changed_at', type: 'timestamptz' })
  changedAt: Date;
}
