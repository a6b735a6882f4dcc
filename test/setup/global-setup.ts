import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/infra/database/embedded-postgres';
import { freePort } from '../support/process';
import Redis from 'ioredis';

/**
 * Tests run against a real PostgreSQL: the server in DATABASE_URL when it is set (CI), otherwise an embedded
 * one started here for the whole run. Each test file then creates its own database (test/support/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEST_REDIS_URL = await reachableRedis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const external = process.env.DATABASE_URL;
  if (external) {
    const client = new Client({ connectionString: external });
    await client.connect();
    await client.end();
    process.env.TEST_ADMIN_DATABASE_URL = external;
    process.env.TEST_DATABASE_MODE = 'external';
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bybit-scalper-test-pg-'));
  chmodSync(dir, 0o755); // the postgres system user must reach the cluster directory when tests run as root
  const server = await startEmbeddedPostgres({
    dataDir: join(dir, 'cluster'),
    port: await freePort(),
    database: 'postgres',
  });
  process.env.TEST_ADMIN_DATABASE_URL = server.url;
  process.env.TEST_DATABASE_MODE = 'embedded';
  (globalThis as { __embeddedPostgres?: { stop(): Promise<void> } }).__embeddedPostgres = server;
}

/**
 * Specs that need a shared Redis (multi-instance behaviour) run when one answers, and are reported as skipped
 * otherwise, so `npm test` still works on a machine with no server at all. CI has Redis on 127.0.0.1:6379.
 */
async function reachableRedis(url: string): Promise<string> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return url;
  } catch {
    return '';
  } finally {
    client.disconnect();
  }
}
