import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../support/database';
import { freePort, isPortOpen, spawnService, waitForStatus } from '../support/process';

/**
 * The service as `npm start` runs it: its own process, configuration from the environment only.
 * Covers the embedded PostgreSQL default (no DATABASE_URL), an external server, and a bad configuration.
 */
describe('service start-up', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bybit-scalper-startup-'));
    chmodSync(dir, 0o755); // the embedded server runs as the postgres user when tests run as root
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should exit non-zero naming every bad variable when the configuration is invalid', async () => {
    const service = spawnService({
      DATA_DIR: dir,
      LOG_DIR: join(dir, 'logs'),
      PORT: '99999',
      BYBIT_ENV: 'live',
      MAX_OPEN_POSITIONS: '-1',
    });
    const code = await service.exited;
    expect(code).not.toBe(0);
    expect(service.output()).toContain('Invalid configuration');
    expect(service.output()).toMatch(/PORT: .*65535/);
    expect(service.output()).toMatch(/BYBIT_ENV: must be one of sim\|testnet\|demo\|mainnet/);
    expect(service.output()).toMatch(/MAX_OPEN_POSITIONS: .*not be less than 0/);
  });

  it('should start on an embedded PostgreSQL persistent under DATA_DIR and stop it on SIGTERM', async () => {
    const [port, pgPort, simPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      DATA_DIR: join(dir, 'data'),
      LOG_DIR: join(dir, 'logs'),
      PORT: String(port),
      EMBEDDED_PG_PORT: String(pgPort),
      SIM_PORT: String(simPort),
      LOG_STDOUT: 'true',
    };
    const first = spawnService(env);
    try {
      const readyMs = await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, 90_000);
      expect(first.output()).toContain('"database":"embedded"');
      expect(existsSync(join(dir, 'data/postgres/PG_VERSION'))).toBe(true);
      expect(await isPortOpen(pgPort)).toBe(true);
      const root = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { botState: string; mode: string };
      expect(root).toMatchObject({ botState: 'stopped', mode: 'sim' });
      console.log(`embedded start-up to ready: ${readyMs} ms (first start, cluster created)`);
    } finally {
      first.child.kill('SIGTERM');
      const code = await first.exited;
      expect({ code, output: code === 0 ? '' : first.output().slice(-4000) }).toEqual({ code: 0, output: '' });
    }
    expect(await isPortOpen(pgPort)).toBe(false);

    const second = spawnService(env);
    try {
      const readyMs = await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, 90_000);
      expect(second.output()).toContain('"migrations_applied":[]');
      console.log(`embedded start-up to ready: ${readyMs} ms (restart, existing cluster)`);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 240_000); // two starts, each allowed 90 s to become ready: more than jest's 60 s default on a loaded machine

  describe('with an external PostgreSQL', () => {
    let database: TestDatabase;
    beforeEach(async () => {
      database = await createTestDatabase();
    });
    afterEach(() => database.drop());

    it('should migrate the empty database and become ready', async () => {
      const [port, simPort] = [await freePort(), await freePort()];
      const service = spawnService({
        DATA_DIR: join(dir, 'data'),
        LOG_DIR: join(dir, 'logs'),
        PORT: String(port),
        SIM_PORT: String(simPort),
        DATABASE_URL: database.url,
      });
      try {
        const readyMs = await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, 90_000);
        expect(service.output()).toContain('"database":"external"');
        expect(service.output()).toContain('InitialSchema1764000000000');
        expect(existsSync(join(dir, 'data/postgres'))).toBe(false);
        console.log(`external start-up to ready: ${readyMs} ms`);
      } finally {
        service.child.kill('SIGTERM');
        expect(await service.exited).toBe(0);
      }
    }, 120_000);
  });
});
