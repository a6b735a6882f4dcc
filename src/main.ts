import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { Client } from 'pg';
import { AppConfig, ConfigValidationError, loadAppConfig } from './infra/config/app-config';
import { SERVICE_NAME, SERVICE_VERSION } from './infra/config/service-info';
import { ResolvedDatabase, resolveDatabase } from './infra/database/database-url';
import { runMigrations } from './infra/database/data-source';
import { anyFreePort, isPortFree, portInUse, StartupError } from './infra/startup/startup-error';
import { DEFAULT_SIM_PORT } from './exchange/bybit/bybit.constants';
import { createApp, DOCS_PATH } from './app.factory';
import { applyHeapTuning } from './infra/runtime/heap-tuning';

export const USAGE = `${SERVICE_NAME} ${SERVICE_VERSION}: Bybit USDT-perpetual order-book imbalance scalper (NestJS)

Usage:
  npm start                 build if sources changed, then run the service (Ctrl-C stops it cleanly)
  npm start -- --help       this text
  npm run sim               the Bybit V5 simulator as its own process (BYBIT_ENV=sim with SIM_IN_PROCESS=false)
  npm run migration:run     apply database migrations (also done at every start)
  npm test                  the test suite (needs PostgreSQL: DATABASE_URL, or an embedded one is started)

Key variables (environment or ./.env):
  PORT=8000                 HTTP port (API, /docs, /ws)          HOST=0.0.0.0   listen address
  BYBIT_ENV=sim             sim | testnet | demo | mainnet; sim trades on the built-in simulator (no money)
  DATA_DIR=./data           generated secrets, the embedded PostgreSQL cluster, simulator state
  DATABASE_URL              an existing PostgreSQL; unset = embedded PostgreSQL under DATA_DIR/postgres
  EMBEDDED_PG_PORT=54329    port of the embedded PostgreSQL (a free one is taken if the default is busy)
  SIM_PORT=8100             port of the in-process simulator (a free one is taken if the default is busy)
  APP_PASSWORD              the API password; required outside sim
  TRADING_PAIRS=BTCUSDT,ETHUSDT   ORDER_SIZE_USDT   TAKE_PROFIT_PCT   STOP_LOSS_PCT   MAX_DAILY_LOSS_USDT
  BOT_AUTOSTART=false       start trading at boot instead of on POST /bot/start
  LOG_LEVEL=info  LOG_DIR=./logs  LOG_STDOUT=true

Password: without APP_PASSWORD (sim only) a password is generated on first start into DATA_DIR/initial_password
(./data/initial_password by default). Log in with POST /auth/login {"password": "..."}, then change it with
POST /auth/change-password; from then on that file no longer holds the password.

Docs: http://localhost:PORT/${DOCS_PATH} (OpenAPI), docs/ in the repository (trading rules, configuration, API).
`;

/**
 * Boot order: validate configuration (exit 1 naming every bad variable) → ports → database (external, or the
 * embedded server under DATA_DIR) → migrations under an advisory lock → Nest on Fastify → banner. Any failure
 * prints what failed and what to do, without a stack trace, and undoes what had started. On SIGINT/SIGTERM Nest
 * closes first, then the embedded server stops (it runs in its own process group, so a terminal's Ctrl-C does
 * not reach it first).
 */
async function bootstrap(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  // createApp applies it too; here it also covers start-up (database, migrations), before V8 weighs any site.
  applyHeapTuning();
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
  const notes: string[] = [];
  config = await withSimulatorPort(config, notes);
  if (!(await isPortFree(config.app.port, config.app.host)))
    throw portInUse(config.app.port, 'PORT', 'The HTTP server');

  const database = await resolveDatabase(config, undefined, { stopOnSignals: false });
  notes.push(...database.notes);
  const logger = new Logger('Bootstrap');
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

  try {
    // As the owner (DATABASE_MIGRATION_URL or the embedded superuser); the app then connects with fewer rights.
    const applied = await runMigrations(database.migrationUrl);
    app = await createApp(config, database.url);
    // Read before listening: once the port answers, /health/ready may be seen before any later await, and the
    // banner must already be out by then.
    const changedAt = await passwordChangedAt(database.url);
    await app.listen({ port: config.app.port, host: config.app.host }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE' ? portInUse(config.app.port, 'PORT', 'The HTTP server') : error;
    });
    process.stdout.write(banner(config, database, notes, changedAt, Date.now() - startedAt));
    for (const note of notes) logger.warn(note);
    logger.log(
      {
        url: await app.getUrl(),
        database: database.embedded ? 'embedded' : 'external',
        migrations_applied: applied,
        startup_ms: Date.now() - startedAt,
      },
      'ready',
    );
  } catch (error) {
    closing = true;
    await app?.close().catch(() => undefined);
    await database.stop();
    throw error;
  }
}

/**
 * The in-process simulator (BYBIT_ENV=sim) listens on SIM_PORT. When the default port is busy (another copy of
 * the service) any free port serves as well, since only this process connects to it; a port chosen explicitly
 * and busy is an error naming SIM_PORT.
 */
async function withSimulatorPort(config: AppConfig, notes: string[]): Promise<AppConfig> {
  if (config.exchange.env !== 'sim' || !config.simulator.inProcess) return config;
  const wanted = config.simulator.port;
  if (await isPortFree(wanted)) return config;
  if (wanted !== DEFAULT_SIM_PORT) throw portInUse(wanted, 'SIM_PORT', 'The built-in simulator');
  const port = await anyFreePort();
  notes.push(`built-in simulator: port ${wanted} is in use, listening on ${port} instead (set SIM_PORT to fix it)`);
  return { ...config, simulator: { ...config.simulator, port } };
}

/** When the password was last changed through the API; null while the initial one is still in force. */
async function passwordChangedAt(databaseUrl: string): Promise<Date | null> {
  const client = new Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ password_version: number; changed_at: Date }>(
      'SELECT password_version, changed_at FROM auth_credentials WHERE id = 1',
    );
    return rows[0] && rows[0].password_version > 1 ? rows[0].changed_at : null;
  } catch {
    return null; // only the banner's wording depends on it
  } finally {
    await client.end().catch(() => undefined);
  }
}

function banner(
  config: AppConfig,
  database: ResolvedDatabase,
  notes: readonly string[],
  passwordChanged: Date | null,
  ms: number,
): string {
  const host = config.app.host === '0.0.0.0' || config.app.host === '::' ? 'localhost' : config.app.host;
  const base = `http://${host}:${config.app.port}`;
  const mode =
    config.exchange.env === 'sim'
      ? `sim: paper trading on the built-in Bybit simulator (127.0.0.1:${config.simulator.port}), no real money`
      : config.exchange.env === 'mainnet'
        ? 'mainnet: LIVE trading with real money'
        : `${config.exchange.env}: Bybit ${config.exchange.env} account`;
  const file = join(config.app.dataDir, 'initial_password');
  const password = passwordChanged
    ? `changed through the API on ${passwordChanged.toISOString()}${config.auth.initialPasswordGenerated ? ` (${file} is stale: it no longer logs in)` : ' (APP_PASSWORD no longer applies)'}`
    : config.auth.initialPasswordGenerated
      ? `generated on first start, in ${file} (until you change it)`
      : 'APP_PASSWORD (until you change it with POST /auth/change-password)';
  const lines = [
    '',
    `${SERVICE_NAME} ${SERVICE_VERSION} ready in ${(ms / 1000).toFixed(1)} s`,
    `  API       ${base}${config.app.host === '0.0.0.0' ? `  (all interfaces, port ${config.app.port})` : ''}`,
    `  Docs      ${base}/${DOCS_PATH}`,
    `  Mode      ${mode}`,
    `  Database  ${database.embedded ? `embedded PostgreSQL in ${config.database.embeddedDir}` : 'DATABASE_URL'}`,
    `  Password  ${password}`,
    `  Trading   ${config.execution.autostart ? 'starts now (BOT_AUTOSTART=true)' : 'stopped: POST /bot/start to begin'} (pairs ${config.trading.pairs.join(', ')})`,
    `  Logs      ${config.logging.dir}`,
    ...notes.map((note) => `  Note      ${note}`),
    '  Stop      Ctrl-C',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

bootstrap().catch((error: unknown) => {
  if (error instanceof StartupError) {
    process.stderr.write(`Start-up failed: ${error.message}\nWhat to do: ${error.hint}\n`);
  } else {
    const text = error instanceof Error ? `${error.message}${codeOf(error)}` : String(error);
    process.stderr.write(`Start-up failed: ${text}\nWhat to do: the log under LOG_DIR has the details.\n`);
  }
  process.exit(1);
});

function codeOf(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? ` (${code})` : '';
}
