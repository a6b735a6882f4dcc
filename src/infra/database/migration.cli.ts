import { loadAppConfig } from '../config/app-config';
import { resolveDatabase } from './database-url';
import { revertLastMigration, runMigrations } from './data-source';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

/** `npm run migration:run | migration:revert | migration:show`, as DATABASE_MIGRATION_URL (else DATABASE_URL) or the embedded superuser. */
async function main(command: string | undefined): Promise<void> {
  const config = loadAppConfig(process.env);
  const database = await resolveDatabase(config);
  try {
    if (command === 'run') {
      const applied = await runMigrations(database.migrationUrl);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations');
    } else if (command === 'revert') {
      console.log(
        (await revertLastMigration(database.migrationUrl)) ? 'Reverted the last migration' : 'Nothing to revert',
      );
    } else if (command === 'show') {
      const source = await new DataSource(dataSourceOptions(database.migrationUrl, 1)).initialize();
      const pending = await source.showMigrations();
      console.log(pending ? 'There are pending migrations' : 'Schema is up to date');
      await source.destroy();
    } else {
      throw new Error('usage: migration.cli (run|revert|show)');
    }
  } finally {
    await database.stop();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
