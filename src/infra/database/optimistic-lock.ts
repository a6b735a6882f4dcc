import { setTimeout as sleep } from 'node:timers/promises';
import { ObjectLiteral, Repository } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * Optimistic locking for aggregates with a `@VersionColumn` (orders, positions): a write names the version it
 * read, `UPDATE ... WHERE id = $1 AND version = $2` moves it by one, and zero rows means somebody else won.
 * The loser re-reads and re-applies; retryOnConflict runs that loop.
 */

export interface RetryOnConflictOptions {
  /** Total tries including the first; at least 1. */
  readonly attempts?: number;
  /** Base wait before the 2nd try; doubles each try, plus up to the same again as jitter so racers spread out. */
  readonly backoffMs?: number;
}

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 10;

/**
 * A stale optimistic write, recognised by its code rather than its class: infra/ imports only common/, and the
 * error classes live with the aggregates (ExecutionError('STALE_VERSION'), and whichever module copies it).
 */
export function isStaleVersionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { kind, code } = error as { kind?: unknown; code?: unknown };
  return kind === 'CONFLICT' && code === 'STALE_VERSION';
}

/**
 * Runs `fn` and, when it throws a stale-version conflict, runs it again, up to `attempts` times. `fn` must
 * re-read the row and re-apply its change each time (it receives the 1-based attempt number); any other error,
 * and the conflict of the last attempt, propagates unchanged.
 */
export async function retryOnConflict<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOnConflictOptions = {},
): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts ?? DEFAULT_ATTEMPTS));
  const backoffMs = Math.max(0, options.backoffMs ?? DEFAULT_BACKOFF_MS);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!isStaleVersionError(error) || attempt >= attempts) throw error;
      const base = backoffMs * 2 ** (attempt - 1);
      if (base > 0) await sleep(base + Math.random() * base);
    }
  }
}

/**
 * `UPDATE <table> SET <changes>, version = version + 1 WHERE id = :id AND version = :expectedVersion RETURNING *`.
 * Returns the updated row as an entity, or null when no row has that id at that version (the caller decides
 * between "stale" and "missing"). Values go through TypeORM's column handling (JSONB serialised, enums, dates);
 * the @UpdateDateColumn, if any, is set by TypeORM itself.
 */
export async function updateVersioned<E extends ObjectLiteral>(
  repository: Repository<E>,
  id: string,
  expectedVersion: number,
  changes: NoInfer<Partial<E>>,
): Promise<E | null> {
  const { metadata } = repository;
  const versionColumn = metadata.versionColumn;
  const [primaryColumn] = metadata.primaryColumns;
  if (!versionColumn || !primaryColumn || metadata.primaryColumns.length !== 1) {
    throw new Error(`${metadata.name} needs one primary column and a @VersionColumn for optimistic updates`);
  }
  const escape = (name: string) => repository.manager.connection.driver.escape(name);
  // The cast: TypeORM's deep-partial type cannot express opaque JSONB values (unknown, index signatures), while
  // Partial<E> already checks every key and value against the entity.
  const values = {
    ...changes,
    // Explicit rather than relying on TypeORM's implicit bump, so the statement reads as documented above.
    [versionColumn.propertyName]: () => `${escape(versionColumn.databaseName)} + 1`,
  } as QueryDeepPartialEntity<E>;
  const result = await repository
    .createQueryBuilder()
    .update()
    .set(values)
    .where(`${escape(primaryColumn.databaseName)} = :id AND ${escape(versionColumn.databaseName)} = :expectedVersion`, {
      id,
      expectedVersion,
    })
    .returning('*')
    .execute();
  const rows = (result.raw ?? []) as ObjectLiteral[];
  return rows.length === 0 ? null : rowToEntity(repository, rows[0]);
}

/**
 * Turns a raw `RETURNING *` row (database column names, driver values) into an entity instance, with the same
 * conversions TypeORM applies when it loads an entity (e.g. bigint and numeric stay strings, JSONB parsed).
 */
export function rowToEntity<E extends ObjectLiteral>(repository: Repository<E>, row: ObjectLiteral): E {
  const { metadata } = repository;
  const driver = repository.manager.connection.driver;
  const entity = metadata.create() as E;
  for (const column of metadata.columns) {
    if (!(column.databaseName in row)) continue;
    column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return entity;
}
