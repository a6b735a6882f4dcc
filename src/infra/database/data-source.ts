import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';

/** Options shared by the app, the migration CLI and the tests: schema only through migrations. */
export function dataSourceOptions(url: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    extra: { max: poolSize, application_name: 'bybit-scalper' },
  };
}

// Any 64-bit constant shared by every instance; serialises migrations when several start at once.
const MIGRATION_LOCK_KEY = 727_274_001;

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so instances sharing one database
 * never migrate concurrently. Returns the names of the migrations applied.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const source = new DataSource(dataSourceOptions(url, 2));
  await source.initialize();
  const lock = source.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await source.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await source.destroy();
  }
}

/** Reverts the most recent migration; returns false when none was applied. */
export async function revertLastMigration(url: string): Promise<boolean> {
  const source = new DataSource(dataSourceOptions(url, 2));
  await source.initialize();
  try {
    const before = await source.query(`SELECT count(*)::int AS n FROM ${'schema_migrations'}`).catch(() => [{ n: 0 }]);
    if (before[0].n === 0) return false;
    await source.undoLastMigration({ transaction: 'each' });
    return true;
  } finally {
    await source.destroy();
  }
}
