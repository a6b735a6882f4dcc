import { Column, Entity, PrimaryColumn } from 'typeorm';

export type IdempotencyState = 'in-progress' | 'done';

/**
 * Row of `idempotency_cache` (migration 1764000000000). A row whose expires_at has passed counts as absent
 * everywhere; the cleanup job deletes it. Only IdempotencyRepository touches this class.
 */
@Entity({ name: 'idempotency_cache' })
export class IdempotencyCacheEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  key: string;

  /** A label for operators (e.g. `POST /bot/start`); identity is in the key. */
  @Column({ type: 'varchar', length: 64 })
  operation: string;

  /** sha256 of what the request was; the same key with another hash is refused. */
  @Column({ name: 'request_hash', type: 'varchar', length: 128 })
  requestHash: string;

  @Column({ type: 'varchar', length: 16 })
  state: IdempotencyState;

  /** Set once done. */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  /** The answer replayed to a retry; SQL NULL when the operation returned nothing. */
  @Column({ type: 'jsonb', nullable: true })
  result: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
