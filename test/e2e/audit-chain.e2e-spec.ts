import { Client } from 'pg';
import { loginToken, startTestApp, TestApp } from '../support/app';

/*
 * Real: the whole application on a fresh migrated PostgreSQL database (the hash-chain trigger), the JWT guard,
 * AuditModule. The tampering is a superuser edit with the session's triggers off.
 */
describe('GET /audit/verify', () => {
  let ctx: TestApp;
  let auth: Record<string, string>;

  beforeAll(async () => {
    ctx = await startTestApp();
    auth = { authorization: `Bearer ${await loginToken(ctx.baseUrl)}` };
  });
  afterAll(() => ctx.close());

  const verify = async (headers = auth) => {
    const response = await fetch(`${ctx.baseUrl}/audit/verify`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('should refuse a request without a token with 401', async () => {
    expect((await verify({})).status).toBe(401);
  });

  it('should report an intact chain, then the row a superuser edited', async () => {
    await fetch(`${ctx.baseUrl}/bot/start`, { method: 'POST', headers: auth });
    await fetch(`${ctx.baseUrl}/bot/stop`, { method: 'POST', headers: auth });
    const intact = await verify();
    expect(intact.status).toBe(200);
    expect(intact.body).toMatchObject({ ok: true, firstBroken: null });
    expect(intact.body.rows).toBeGreaterThanOrEqual(1);

    const client = new Client({ connectionString: ctx.database.url });
    await client.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      const { rows } = await client.query<{ id: string; seq: string }>(
        `UPDATE audit_logs SET actor = 'someone-else'
          WHERE chain_seq = (SELECT min(chain_seq) FROM audit_logs) RETURNING id::text, chain_seq::text AS seq`,
      );
      const broken = await verify();

      expect(broken.status).toBe(200);
      expect(broken.body).toMatchObject({
        ok: false,
        firstBroken: { seq: rows[0].seq, id: rows[0].id, reason: 'ROW_HASH_MISMATCH' },
      });
    } finally {
      await client.end();
    }
  });
});
