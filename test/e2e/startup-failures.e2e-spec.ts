import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isPortOpen, REPO_ROOT, ServiceProcess, waitForStatus } from '../support/process';

/**
 * What a newcomer sees when start-up cannot succeed, and a clean Ctrl-C. The service runs as `npm start` would
 * from a terminal: in its own process group, so a Ctrl-C (SIGINT to the whole group) reaches every process the
 * service started in that group, as a terminal's does.
 */
function startInOwnGroup(env: Record<string, string>, args: string[] = []): ServiceProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', join(REPO_ROOT, 'src/main.ts'), ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TS_NODE_SWC: 'true',
      TS_NODE_TRANSPILE_ONLY: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** No stack trace, no "undefined" as the reason: the failure is explained in words. */
function expectReadableFailure(output: string): void {
  expect(output).toContain('Start-up failed: ');
  expect(output).toContain('What to do: ');
  expect(output).not.toMatch(/undefined/);
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(output).not.toContain('sonic boom');
}

describe('start-up failures and a clean stop', () => {
  let parent: string;
  let first: ServiceProcess | undefined;
  const ports = { http: 0, pg: 0, sim: 0 };
  let env: Record<string, string>;

  beforeAll(async () => {
    // mkdtemp makes it 0700: the embedded PostgreSQL (run as the postgres user when tests run as root) must cope
    // without the service changing this directory's permissions.
    parent = mkdtempSync(join(tmpdir(), 'bybit-scalper-first-run-'));
    [ports.http, ports.pg, ports.sim] = [await freePort(), await freePort(), await freePort()];
    env = {
      DATA_DIR: join(parent, 'data'),
      LOG_DIR: join(parent, 'logs'),
      PORT: String(ports.http),
      EMBEDDED_PG_PORT: String(ports.pg),
      SIM_PORT: String(ports.sim),
      LOG_STDOUT: 'true',
    };
    first = startInOwnGroup(env);
    await waitForStatus(`http://127.0.0.1:${ports.http}/health/ready`, 200, 120_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${first?.output().slice(-3000)}`);
    });
  }, 150_000);

  afterAll(async () => {
    if (first && first.child.exitCode === null) {
      process.kill(-first.child.pid!, 'SIGKILL');
      await first.exited;
    }
    rmSync(parent, { recursive: true, force: true });
  });

  it('should print a banner with the URL, the docs, the mode and where the initial password is', () => {
    const output = first!.output();
    expect(output).toContain(`API       http://localhost:${ports.http}`);
    expect(output).toContain(`Docs      http://localhost:${ports.http}/docs`);
    expect(output).toContain('Mode      sim: paper trading');
    expect(output).toContain(`Password  generated on first start, in ${join(parent, 'data', 'initial_password')}`);
  });

  it('should leave the permissions of the directories above DATA_DIR alone when run as root', () => {
    expect(statSync(parent).mode & 0o7777).toBe(0o700);
  });

  it('should say the data directory is in use when a second copy starts on it', async () => {
    const second = startInOwnGroup({
      ...env,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      SIM_PORT: String(await freePort()),
      LOG_DIR: join(parent, 'logs-second'),
    });
    expect(await second.exited).toBe(1);
    expectReadableFailure(second.output());
    expect(second.output()).toContain(`The data directory ${join(parent, 'data')} is in use by another instance`);
    expect(second.output()).toMatch(/give this one its own DATA_DIR/);
  }, 60_000);

  it('should name the variable that moves a busy port', async () => {
    const other = (overrides: Record<string, string>) =>
      startInOwnGroup({
        DATA_DIR: join(parent, 'other-data'),
        LOG_DIR: join(parent, 'other-logs'),
        PORT: String(ports.http),
        EMBEDDED_PG_PORT: String(ports.pg),
        SIM_PORT: String(ports.sim),
        ...overrides,
      });
    const cases: { overrides: Record<string, string>; variable: string; port: number }[] = [
      { overrides: {}, variable: 'SIM_PORT', port: ports.sim },
      { overrides: { SIM_PORT: String(await freePort()) }, variable: 'PORT', port: ports.http },
      {
        overrides: { SIM_PORT: String(await freePort()), PORT: String(await freePort()) },
        variable: 'EMBEDDED_PG_PORT',
        port: ports.pg,
      },
    ];
    for (const { overrides, variable, port } of cases) {
      const service = other(overrides);
      expect(await service.exited).toBe(1);
      expectReadableFailure(service.output());
      expect(service.output()).toContain(`cannot listen on port ${port}: the port is in use`);
      expect(service.output()).toContain(`or set ${variable} to a free port`);
    }
  }, 120_000);

  it('should accept the generated initial password until it is changed', async () => {
    const base = `http://127.0.0.1:${ports.http}`;
    const initial = readFileSync(join(parent, 'data', 'initial_password'), 'utf8').trim();
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: initial }),
    });
    expect(login.status).toBe(200);
    const { accessToken: token } = (await login.json()) as { accessToken: string };
    const change = await fetch(`${base}/auth/change-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ currentPassword: initial, newPassword: 'a-long-new-passphrase' }),
    });
    expect(change.status).toBe(200);
  });

  it('should stop cleanly on Ctrl-C: the application first, then the embedded PostgreSQL, no errors logged', async () => {
    // Readiness 503s while the exchange connects are logged during start-up; only the stop is judged here.
    const before = first!.output().length;
    process.kill(-first!.child.pid!, 'SIGINT');
    expect(await first!.exited).toBe(0);
    const errors = first!
      .output()
      .slice(before)
      .split('\n')
      .filter((line) => /"level":(50|60)|"level":"(error|fatal)"/.test(line));
    expect(errors).toEqual([]);
    expect(await isPortOpen(ports.pg)).toBe(false);
  }, 60_000);

  it('should start over a stale postmaster.pid left by a killed server', async () => {
    // A pid that is alive but is not PostgreSQL (this test runner): the lock file is stale.
    const pidFile = join(parent, 'data', 'postgres', 'postmaster.pid');
    writeFileSync(pidFile, `${process.pid}\n${join(parent, 'data', 'postgres')}\n0\n${ports.pg}\n\n127.0.0.1\n`);
    const again = startInOwnGroup(env);
    try {
      await waitForStatus(`http://127.0.0.1:${ports.http}/health/ready`, 200, 120_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${again.output().slice(-3000)}`);
      });
    } finally {
      process.kill(-again.child.pid!, 'SIGINT');
      expect(await again.exited).toBe(0);
    }
    expect(again.output()).toContain('stale postmaster.pid');
    // The password was changed above: the banner must not send a newcomer to the file any more.
    expect(again.output()).toMatch(/Password {2}changed through the API on .* \(.*initial_password is stale/);
  }, 150_000);

  it('should print usage for --help without starting anything', async () => {
    const dataDir = join(parent, 'help-data');
    const help = startInOwnGroup({ ...env, DATA_DIR: dataDir, PORT: String(ports.http) }, ['--help']);
    expect(await help.exited).toBe(0);
    expect(help.output()).toContain('Usage:');
    expect(help.output()).toContain('npm start');
    expect(help.output()).toContain('DATA_DIR/initial_password');
    expect(help.output()).toMatch(/PORT=8000/);
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);
});
