import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { APP_GROUP_ROLE } from '../../../migrations/1764000000910-least-privilege-app-role';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { loginToken, startTestApp, TestApp } from '../../support/app';
import { waitFor } from '../../support/wait-for';

/*
 * Issue 13 item 10: migrations run as the owner (here the test server's superuser), the app as a login role that
 * is only a member of bybit_scalper_app. That role must not be able to rewrite or switch off the audit trail, nor
 * change the schema; the whole app must still work as it.
 */
describe('least-privilege application role', () => {
  let db: TestDatabase;
  let appRole: string;
  let appUrl: string;
  let admin: Client;
  let app: Client;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: true });
    appRole = `app_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    // On the server's admin database: roles are cluster-wide, and this one outlives the test database.
    admin = new Client({ connectionString: process.env.TEST_ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE ${appRole} LOGIN PASSWORD '${password}' IN ROLE ${APP_GROUP_ROLE}`);
    const url = new URL(db.url);
    url.username = appRole;
    url.password = password;
    appUrl = url.toString();
    app = new Client({ connectionString: appUrl });
    await app.connect();
    await app.query(`INSERT INTO audit_logs (action, entity_type, actor) VALUES ('BOT_START', 'bot', 'test')`);
  });

  afterAll(async () => {
    await app?.end();
    await db?.drop();
    await admin?.query(`DROP ROLE IF EXISTS ${appRole}`).catch(() => undefined);
    await admin?.end();
  });

  const sqlState = async (sql: string): Promise<string | null> => {
    try {
      await app.query(sql);
      return null;
    } catch (error: unknown) {
      return (error as { code?: string }).code ?? 'unknown';
    }
  };

  it.each([
    ['disable the audit triggers', 'ALTER TABLE audit_logs DISABLE TRIGGER ALL'],
    ['disable one audit trigger', 'ALTER TABLE audit_logs DISABLE TRIGGER trg_audit_logs_append_only'],
    ['drop an audit trigger', 'DROP TRIGGER trg_audit_logs_append_only ON audit_logs'],
    [
      'replace the trigger function',
      'CREATE OR REPLACE FUNCTION audit_logs_reject_mutation() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$',
    ],
    ['update audit rows', `UPDATE audit_logs SET actor = 'someone else'`],
    ['delete audit rows', 'DELETE FROM audit_logs'],
    ['truncate the audit trail', 'TRUNCATE audit_logs'],
    ['drop the audit table', 'DROP TABLE audit_logs'],
    ['skip triggers for the session', `SET session_replication_role = replica`],
    ['alter another table', 'ALTER TABLE orders ADD COLUMN evil text'],
    ['truncate another table', 'TRUNCATE orders'],
  ])('should refuse to %s (insufficient privilege, not a trigger error)', async (_, sql) => {
    expect(await sqlState(sql)).toBe('42501');
  });

  it('should keep the audit rows intact and let the app append and read them', async () => {
    await app.query(`INSERT INTO audit_logs (action, entity_type, actor) VALUES ('BOT_STOP', 'bot', 'test')`);
    const { rows } = await app.query(`SELECT action, actor FROM audit_logs WHERE actor = 'test' ORDER BY id`);
    expect(rows).toEqual([
      { action: 'BOT_START', actor: 'test' },
      { action: 'BOT_STOP', actor: 'test' },
    ]);
  });

  describe('the whole app running as that role', () => {
    let ctx: TestApp;
    beforeAll(async () => {
      ctx = await startTestApp({ DATABASE_URL: appUrl }, { database: { ...db, url: appUrl } });
    });
    afterAll(() => ctx?.close());

    it('should log in, switch the kill switch on and off (audited) and read the trail', async () => {
      const token = await loginToken(ctx.baseUrl);
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const on = await fetch(`${ctx.baseUrl}/trading/kill-switch/activate`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ reason: 'least privilege check' }),
      });
      expect(on.status).toBe(200);
      const off = await fetch(`${ctx.baseUrl}/trading/kill-switch/reset`, {
        method: 'POST',
        headers: { authorization: headers.authorization },
      });
      expect(off.status).toBe(200);
      const deadline = Date.now() + 5000;
      let total = 0;
      while (Date.now() < deadline && total < 2) {
        const page = (await (await fetch(`${ctx.baseUrl}/audit?action=KILL_SWITCH_CHANGE`, { headers })).json()) as {
          total: number;
        };
        total = page.total;
        if (total < 2) await new Promise((r) => setTimeout(r, 100));
      }
      expect(total).toBe(2);
      // Every readiness check up as this role (retried: an event-loop spike on a loaded machine is not the point).
      await waitFor(async () => (await fetch(`${ctx.baseUrl}/health/ready`)).status, {
        until: (status) => status === 200,
        timeoutMs: 20000,
        what: 'readiness 200 as the least-privileged role',
      });
    });
  });
});
