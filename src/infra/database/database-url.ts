import { AppConfig } from '../config/app-config';
import { RunningEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';

/** EMBEDDED_PG_PORT's default: when it is busy (a second copy of the service) any free port will do. */
export const DEFAULT_EMBEDDED_PG_PORT = 54329;

export interface ResolvedDatabase {
  /** What the app connects as (DATABASE_URL; embedded: a login role with data rights only). */
  readonly url: string;
  /** What migrations run as: DATABASE_MIGRATION_URL, the embedded superuser, or else `url` itself. */
  readonly migrationUrl: string;
  readonly embedded: boolean;
  /** Start-up remarks worth one log line each (e.g. a port fallback). */
  readonly notes: readonly string[];
  /** Stops the embedded server; a no-op for an external one. */
  stop(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise a real embedded PostgreSQL persistent under DATA_DIR/postgres. With
 * `stopOnSignals: false` the caller stops it (after its own shutdown) instead of a signal handler.
 */
export async function resolveDatabase(
  config: AppConfig,
  onLog?: (line: string) => void,
  options: { readonly stopOnSignals?: boolean } = {},
): Promise<ResolvedDatabase> {
  if (config.database.url) {
    const url = config.database.url;
    return { url, migrationUrl: config.migrationUrl ?? url, embedded: false, notes: [], stop: async () => undefined };
  }
  const server: RunningEmbeddedPostgres = await startEmbeddedPostgres({
    dataDir: config.database.embeddedDir,
    port: config.database.embeddedPort,
    fallbackToFreePort: config.database.embeddedPort === DEFAULT_EMBEDDED_PG_PORT,
    database: 'bybit_scalper',
    onLog,
    stopOnSignals: options.stopOnSignals,
  });
  return {
    url: server.appUrl,
    migrationUrl: server.url,
    embedded: true,
    notes: server.notes,
    stop: () => server.stop(),
  };
}
