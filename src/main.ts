import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from '@nestjs/common';
import { AppConfig, ConfigValidationError, loadAppConfig } from './infra/config/app-config';
import { resolveDatabase } from './infra/database/database-url';
import { runMigrations } from './infra/database/data-source';
import { createApp } from './app.factory';

/**
 * Boot order: validate configuration (exit 1 naming every bad variable) → database (external, or the embedded
 * server under DATA_DIR) → migrations under an advisory lock → Nest on Fastify. On SIGINT/SIGTERM Nest closes
 * first, then the embedded server stops.
 */
async function bootstrap(): Promise<void> {
  const startedAt = Date.now();
  let config: AppConfig;
  try {
    config = loadAppConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // The embedded server is stopped below, once Nest has closed: not by the library's own signal hook.
  const database = await resolveDatabase(config, undefined, { stopOnSignals: false });
  const logger = new Logger('Bootstrap');
  // eslint-disable-next-line prefer-const -- the signal handler above may run before createApp has returned
  let app: NestFastifyApplication | undefined;
  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    logger.log({ signal }, 'shutting down');
    await app?.close().catch(() => undefined);
    await database.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  // As the owner (DATABASE_MIGRATION_URL or the embedded superuser); the app then connects with fewer rights.
  const applied = await runMigrations(database.migrationUrl);
  app = await createApp(config, database.url);
  await app.listen({ port: config.app.port, host: config.app.host });
  logger.log(
    {
      url: await app.getUrl(),
      database: database.embedded ? 'embedded' : 'external',
      migrations_applied: applied,
      startup_ms: Date.now() - startedAt,
    },
    'ready',
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`Fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
