import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuthCredentialsEntity } from './entities/auth-credentials.entity';

/** The single row's id (the table CHECKs id = 1). */
const CREDENTIALS_ID = 1;

export interface StoredCredentials {
  readonly passwordHash: string;
  readonly passwordVersion: number;
  readonly changedAt: Date;
}

/** Persistence of the operator's password; a DI token so service specs can use an in-memory fake. */
export abstract class AuthCredentialsRepository {
  abstract find(): Promise<StoredCredentials | null>;
  /** The password version alone: the one read on every authenticated request (through a short cache). */
  abstract currentVersion(): Promise<number | null>;
  /**
   * Inserts version 1 unless a row exists. Safe when several instances start at once: exactly one insert wins,
   * the others are no-ops. Returns whether this call created the row.
   */
  abstract insertInitial(passwordHash: string): Promise<boolean>;
  /**
   * Replaces the hash and bumps the version, only if the stored version is still `expectedVersion`
   * (compare-and-set, so two concurrent changes cannot both succeed). Returns the new version, or null when the
   * version moved underneath.
   */
  abstract replacePassword(expectedVersion: number, passwordHash: string): Promise<number | null>;
}

@Injectable()
export class AuthCredentialsTypeormRepository extends AuthCredentialsRepository {
  constructor(@InjectRepository(AuthCredentialsEntity) private readonly rows: Repository<AuthCredentialsEntity>) {
    super();
  }

  async find(): Promise<StoredCredentials | null> {
    const row = await this.rows.findOne({ where: { id: CREDENTIALS_ID } });
    return row
      ? { passwordHash: row.passwordHash, passwordVersion: row.passwordVersion, changedAt: row.changedAt }
      : null;
  }

  async currentVersion(): Promise<number | null> {
    const row = await this.rows.findOne({ select: { passwordVersion: true }, where: { id: CREDENTIALS_ID } });
    return row?.passwordVersion ?? null;
  }

  async insertInitial(passwordHash: string): Promise<boolean> {
    // INSERT returns its rows through Repository.query; with DO NOTHING a losing instance gets none.
    const inserted: unknown[] = await this.rows.query(
      `INSERT INTO auth_credentials (id, password_hash, password_version, changed_at)
       VALUES ($1, $2, 1, now())
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [CREDENTIALS_ID, passwordHash],
    );
    return inserted.length === 1;
  }

  async replacePassword(expectedVersion: number, passwordHash: string): Promise<number | null> {
    const result = await this.rows
      .createQueryBuilder()
      .update(AuthCredentialsEntity)
      .set({ passwordHash, passwordVersion: () => 'password_version + 1', changedAt: () => 'now()' })
      .where('id = :id AND password_version = :expectedVersion', { id: CREDENTIALS_ID, expectedVersion })
      .execute();
    // The WHERE pinned the old version, so the new one is known without a RETURNING round trip.
    return result.affected === 1 ? expectedVersion + 1 : null;
  }
}
