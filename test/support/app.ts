import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadAppConfig } from '../../src/infra/config/app-config';
import { createTestDatabase, TestDatabase } from './database';
import { freePort } from './process';
import { waitFor } from './wait-for';

export const TEST_PASSWORD = 'correct-horse-battery-staple';
export const TEST_SECRET_KEY = 'a'.repeat(16) + '0123456789abcdef0123456789abcdef' + 'b'.repeat(16);

/**
 * Strategy thresholds loosened so the simulated market crosses them within seconds (the defaults 0.75/0.25 with a
 * 10,000 USDT cluster need an imbalance episode, minutes apart): for tests of the live pipeline.
 */
export const LIVELY_STRATEGY = {
  TRADING_PAIRS: 'BTCUSDT,ETHUSDT',
  IMBALANCE_BUY_THRESHOLD: '0.55',
  IMBALANCE_SELL_THRESHOLD: '0.45',
  MIN_CLUSTER_VOLUME: '1000',
  SIGNAL_COOLDOWN_MS: '200',
} as const;

export interface TestApp {
  readonly baseUrl: string;
  readonly app: NestFastifyApplication;
  readonly config: AppConfig;
  readonly database: TestDatabase;
  /** Closes the app and boots a new one on the same database and directories (a process restart). */
  restart(): Promise<TestApp>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Share this (migrated) database instead of creating one: a second instance. close() then leaves it alone. */
  readonly database?: TestDatabase;
}

/**
 * The whole application as main.ts builds it (Fastify, guards, filters, logging, swagger) on a fresh migrated
 * database of the test server, listening on a random loopback port. Logs go to a temp LOG_DIR, not stdout.
 */
export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase({ migrated: true }));
  const dir = mkdtempSync(join(tmpdir(), 'bybit-scalper-app-'));
  const config = loadAppConfig(
    {
      APP_PASSWORD: TEST_PASSWORD,
      SECRET_KEY: TEST_SECRET_KEY,
      DATABASE_URL: database.url,
      DATA_DIR: join(dir, 'data'),
      LOG_DIR: join(dir, 'logs'),
      LOG_STDOUT: 'false',
      LOG_LEVEL: 'info',
      // Each app hosts its own simulator (BYBIT_ENV=sim): a free port, so test files can run in parallel.
      SIM_PORT: String(await freePort()),
      // The metrics listener likewise: any free loopback port (MetricsServer.url() says which).
      METRICS_PORT: '0',
      ...env,
    },
    { dotenvPath: false },
  );
  const boot = async (): Promise<TestApp> => {
    const app = await createApp(config, database.url);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address() as { port: number };
    try {
      await waitUntilReady(`http://127.0.0.1:${address.port}/health/ready`);
    } catch (error) {
      // Left running, the app would keep jest from exiting after the failure is reported.
      await app.close();
      throw error;
    }
    let closed = false;
    const closeApp = async () => {
      if (!closed) await app.close();
      closed = true;
    };
    return {
      baseUrl: `http://127.0.0.1:${address.port}`,
      app,
      config,
      database,
      restart: async () => {
        await closeApp();
        return boot();
      },
      close: async () => {
        await closeApp();
        if (!options.database) await database.drop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
  return boot();
}

/** Logs in with the test password and returns the bearer token. */
export async function loginToken(baseUrl: string, password = TEST_PASSWORD): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** The exchange connects in the background after boot: tests start from a ready app, as a load balancer would. */
async function waitUntilReady(url: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () => {
      const response = await fetch(url);
      return { status: response.status, body: await response.text() };
    },
    { until: (answer) => answer.status === 200, timeoutMs, intervalMs: 50, what: 'the app ready' },
  );
}
