import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/infra/database/embedded-postgres';
import { freePort } from '../support/process';

/**
 * Tests run against a real PostgreSQL: the server in DATABASE_URL when it is set (CI), otherwise an embedded
 * one started here for the whole run. Each test file then creates its own database (test/support/database.ts).
 */
export default async function globalSetup(): Promise<void> {
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
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'cluster'), port: await freePort(), database: 'postgres' });
  process.env.TEST_ADMIN_DATABASE_URL = server.url;
  process.env.TEST_DATABASE_MODE = 'embedded';
  (globalThis as { __embeddedPostgres?: { stop(): Promise<void> } }).__embeddedPostgres = server;
}
