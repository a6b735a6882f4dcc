import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { IdempotencyRecord } from './domain/idempotency-record';
import { IdempotencyCacheEntity, IdempotencyState } from './idempotency-cache.entity';

/** What one row holds besides its key; expiry is `now() + ttl` on the database's clock, as the cleanup compares. */
export interface IdempotencyRow {
  readonly key: string;
  readonly operation: string;
  readonly requestHash: string;
  readonly ttlMs: number;
}

interface LiveRow {
  readonly request_hash: string;
  readonly state: IdempotencyState;
  readonly status_code: number | null;
  /** The JSONB as text: pg would parse SQL NULL and JSON `null` alike, and "returned nothing" must stay undefined. */
  readonly result_json: string | null;
}

// Every time comparison uses the database's now(), so instances with skewed clocks agree on what has expired.
const EXPIRES_AT = `now() + $4::bigint * interval '1 millisecond'`;

/** The rows of `idempotency_cache`; every statement is a single, atomic one keyed by the primary key (or expires_at). */
@Injectable()
export class IdempotencyRepository {
  constructor(@InjectRepository(IdempotencyCacheEntity) private readonly rows: Repository<IdempotencyCacheEntity>) {}

  /**
   * Inserts an in-progress row, or replaces one that has expired, and says whether it did. A live row is left
   * alone: of any number of concurrent callers exactly one gets true (the unique key serialises the inserts, and
   * the WHERE of DO UPDATE is re-checked against the row the winner wrote).
   */
  async tryClaim(row: IdempotencyRow): Promise<boolean> {
    const claimed = (await this.rows.query(
      `INSERT INTO idempotency_cache AS cached (key, operation, request_hash, state, created_at, expires_at)
       VALUES ($1, $2, $3, 'in-progress', now(), ${EXPIRES_AT})
       ON CONFLICT (key) DO UPDATE
          SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash, state = EXCLUDED.state,
              status_code = NULL, result = NULL, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
        WHERE cached.expires_at <= now()
       RETURNING key`,
      [row.key, row.operation, row.requestHash, row.ttlMs],
    )) as unknown[];
    return claimed.length === 1;
  }

  /** Marks the key done with its answer, whether or not it was claimed first; the TTL counts from now. */
  async saveDone(row: IdempotencyRow, statusCode: number, result: unknown): Promise<void> {
    await this.rows.query(
      `INSERT INTO idempotency_cache AS cached (key, operation, request_hash, state, status_code, result, created_at, expires_at)
       VALUES ($1, $2, $3, 'done', $5, $6::jsonb, now(), ${EXPIRES_AT})
       ON CONFLICT (key) DO UPDATE
          SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash, state = EXCLUDED.state,
              status_code = EXCLUDED.status_code, result = EXCLUDED.result, expires_at = EXCLUDED.expires_at`,
      [
        row.key,
        row.operation,
        row.requestHash,
        row.ttlMs,
        statusCode,
        result === undefined ? null : JSON.stringify(result),
      ],
    );
  }

  async findLive(key: string): Promise<IdempotencyRecord | null> {
    const [row] = (await this.rows.query(
      `SELECT request_hash, state, status_code, result::text AS result_json
         FROM idempotency_cache
        WHERE key = $1 AND expires_at > now()`,
      [key],
    )) as LiveRow[];
    if (row === undefined) return null;
    if (row.state === 'in-progress') return { state: 'in-progress', requestHash: row.request_hash };
    return {
      state: 'done',
      requestHash: row.request_hash,
      statusCode: row.status_code ?? 200,
      result: row.result_json === null ? undefined : (JSON.parse(row.result_json) as unknown),
    };
  }

  /** Deletes the key only while it is in progress: a finished answer is never dropped by a late release. */
  async deleteInProgress(key: string): Promise<boolean> {
    const deleted = await this.rows
      .createQueryBuilder()
      .delete()
      .where('key = :key AND state = :state', { key, state: 'in-progress' satisfies IdempotencyState })
      .execute();
    return (deleted.affected ?? 0) > 0;
  }

  /** Served by idx_idempotency_cache_expires_at. */
  async deleteExpired(): Promise<number> {
    const deleted = await this.rows.createQueryBuilder().delete().where('expires_at < now()').execute();
    return deleted.affected ?? 0;
  }
}
