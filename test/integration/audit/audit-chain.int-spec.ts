import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';
import { AuditHashChain1764000000700 } from '../../../migrations/1764000000700-audit-hash-chain';
import { AuditLogEntity } from '../../../src/audit/audit-log.entity';
import { AuditRepository } from '../../../src/audit/audit.repository';
import { AuditChainReport, verifyAuditChain } from '../../../src/audit/audit-chain.verifier';
import { dataSourceOptions } from '../../../src/infra/database/data-source';
import { createTestDatabase, TestDatabase } from '../../support/database';

/*
 * Real: PostgreSQL with every migration (the hash-chain trigger, the append-only triggers), TypeORM,
 * AuditRepository. Tampering is done the way a superuser would: with the triggers switched off for the session.
 * Faked: nothing.
 */
const GENESIS = '00'.repeat(32);

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

function verify(client: Client): Promise<AuditChainReport> {
  return verifyAuditChain(async (sql, parameters) => (await client.query(sql, parameters)).rows);
}

async function insertRows(client: Client, count: number, tag = 'row'): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    await client.query(
      `INSERT INTO audit_logs (action, entity_type, entity_id, new_value, reason) VALUES ('ORDER_CREATE', 'order', $1, $2, $3)`,
      [`${tag}-${i}`, { qty: String(i), nested: { b: 1, a: [1, 'x'] } }, i % 2 === 0 ? null : ''],
    );
  }
}

/** As a superuser who bypasses every trigger of the session (the append-only ones and the chain's). */
async function asSuperuserWithoutTriggers(client: Client, sql: string, parameters: unknown[] = []): Promise<void> {
  await client.query(`SET session_replication_role = replica`);
  try {
    await client.query(sql, parameters);
  } finally {
    await client.query(`SET session_replication_role = origin`);
  }
}

describe('audit_logs hash chain', () => {
  describe('writing', () => {
    let db: TestDatabase;
    let client: Client;

    beforeAll(async () => {
      db = await createTestDatabase({ migrated: true });
      client = await connect(db.url);
    });

    afterAll(async () => {
      await client?.end();
      await db?.drop();
    });

    it('should link every inserted row to the previous one with hashes the trigger computes', async () => {
      await insertRows(client, 5);

      const { rows } = await client.query<{ chain_seq: string; prev: string; hash: string }>(
        `SELECT chain_seq::text, encode(prev_hash, 'hex') AS prev, encode(row_hash, 'hex') AS hash
         FROM audit_logs ORDER BY chain_seq`,
      );
      expect(rows.map((r) => r.chain_seq)).toEqual(['1', '2', '3', '4', '5']);
      expect(rows[0].prev).toBe(GENESIS);
      for (let i = 1; i < rows.length; i += 1) expect(rows[i].prev).toBe(rows[i - 1].hash);
      expect(new Set(rows.map((r) => r.hash)).size).toBe(5);
      const report = await verify(client);
      expect(report).toEqual({ ok: true, rows: 5, head: { seq: '5', hash: rows[4].hash }, firstBroken: null });
    });

    it('should ignore chain values a writer supplies itself', async () => {
      const forged = 'ab'.repeat(32);

      const { rows } = await client.query<{ chain_seq: string; prev: string; hash: string }>(
        `INSERT INTO audit_logs (action, entity_type, chain_seq, prev_hash, row_hash)
         VALUES ('BOT_START', 'bot', 999, decode($1, 'hex'), decode($1, 'hex'))
         RETURNING chain_seq::text, encode(prev_hash, 'hex') AS prev, encode(row_hash, 'hex') AS hash`,
        [forged],
      );

      expect(rows[0].chain_seq).toBe('6');
      expect(rows[0].prev).not.toBe(forged);
      expect(rows[0].hash).not.toBe(forged);
      expect((await verify(client)).ok).toBe(true);
    });

    it('should form one unbroken chain when many connections insert at once', async () => {
      const before = Number((await client.query(`SELECT count(*) AS n FROM audit_logs`)).rows[0].n);
      const writers = await Promise.all(Array.from({ length: 8 }, () => connect(db.url)));

      try {
        await Promise.all(writers.map((writer, w) => insertRows(writer, 40, `w${w}`)));
      } finally {
        await Promise.all(writers.map((writer) => writer.end()));
      }

      const { rows } = await client.query<{ n: string; max: string }>(
        `SELECT count(*)::text AS n, max(chain_seq)::text AS max FROM audit_logs`,
      );
      expect(rows[0]).toEqual({ n: String(before + 320), max: String(before + 320) });
      expect(await verify(client)).toMatchObject({ ok: true, rows: before + 320, firstBroken: null });
    });

    it('should chain rows inserted by a role that may only INSERT into audit_logs', async () => {
      const role = `audit_writer_${randomBytes(4).toString('hex')}`;
      await client.query(`CREATE ROLE ${role} NOLOGIN`);
      try {
        await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
        await client.query(`GRANT INSERT ON audit_logs TO ${role}`);
        await client.query(`SET ROLE ${role}`);
        try {
          await client.query(`INSERT INTO audit_logs (action, entity_type) VALUES ('BOT_STOP', 'bot')`);
          await expect(client.query(`UPDATE audit_chain_head SET seq = 0`)).rejects.toThrow(/permission denied/);
        } finally {
          await client.query(`RESET ROLE`);
        }
        const report = await verify(client);
        expect(report.ok).toBe(true);
        const last = await client.query(`SELECT action::text FROM audit_logs ORDER BY chain_seq DESC LIMIT 1`);
        expect(last.rows[0].action).toBe('BOT_STOP');
      } finally {
        await client.query(`REVOKE ALL ON audit_logs FROM ${role}`);
        await client.query(`REVOKE ALL ON SCHEMA public FROM ${role}`);
        await client.query(`DROP ROLE ${role}`);
      }
    });

    it('should chain rows appended through AuditRepository and verify through it', async () => {
      const source = new DataSource({ ...dataSourceOptions(db.url, 2), entities: [AuditLogEntity] });
      await source.initialize();
      try {
        const sut = new AuditRepository(source.getRepository(AuditLogEntity));
        await sut.append({
          action: 'PASSWORD_CHANGE',
          entityType: 'auth',
          timestamp: new Date('2025-03-01T12:00:00.123Z'),
        });

        const report = await sut.verifyChain();

        expect(report.ok).toBe(true);
        expect(report.head.seq).toBe(String(report.rows));
      } finally {
        await source.destroy();
      }
    });
  });

  describe('tampering', () => {
    let db: TestDatabase;
    let client: Client;

    beforeEach(async () => {
      db = await createTestDatabase({ migrated: true });
      client = await connect(db.url);
      await insertRows(client, 6);
      expect((await verify(client)).ok).toBe(true);
    });

    afterEach(async () => {
      await client?.end();
      await db?.drop();
    });

    const idAt = async (seq: number): Promise<string> =>
      (await client.query(`SELECT id::text FROM audit_logs WHERE chain_seq = $1`, [seq])).rows[0].id;

    it('should name the edited row when a superuser changes its content', async () => {
      const id = await idAt(3);
      // The append-only trigger refuses the edit while triggers are on.
      await expect(client.query(`UPDATE audit_logs SET reason = 'covered up' WHERE id = $1`, [id])).rejects.toThrow(
        /append-only/,
      );

      await asSuperuserWithoutTriggers(client, `UPDATE audit_logs SET reason = 'covered up' WHERE id = $1`, [id]);

      expect(await verify(client)).toMatchObject({
        ok: false,
        firstBroken: { seq: '3', id, reason: 'ROW_HASH_MISMATCH' },
      });
    });

    it('should find an edit in a JSON value or the timestamp', async () => {
      const id = await idAt(2);
      await asSuperuserWithoutTriggers(
        client,
        `UPDATE audit_logs SET "timestamp" = "timestamp" + interval '1 microsecond' WHERE id = $1`,
        [id],
      );
      expect((await verify(client)).firstBroken).toEqual({ seq: '2', id, reason: 'ROW_HASH_MISMATCH' });
      const other = await idAt(1);
      await asSuperuserWithoutTriggers(
        client,
        `UPDATE audit_logs SET new_value = jsonb_set(new_value, '{qty}', '"9"') WHERE id = $1`,
        [other],
      );
      expect((await verify(client)).firstBroken).toEqual({ seq: '1', id: other, reason: 'ROW_HASH_MISMATCH' });
    });

    it('should find an edited row whose own hash was recomputed, at the link to the next row', async () => {
      const id = await idAt(4);
      await asSuperuserWithoutTriggers(client, `UPDATE audit_logs SET reason = 'rewritten' WHERE id = $1`, [id]);
      await asSuperuserWithoutTriggers(
        client,
        `UPDATE audit_logs a SET row_hash = audit_logs_row_hash(a) WHERE id = $1`,
        [id],
      );

      const next = await idAt(5);
      expect((await verify(client)).firstBroken).toEqual({ seq: '5', id: next, reason: 'PREV_HASH_MISMATCH' });
    });

    it('should find a deleted row in the middle and deleted newest rows', async () => {
      await asSuperuserWithoutTriggers(client, `DELETE FROM audit_logs WHERE chain_seq = 6`);
      expect((await verify(client)).firstBroken).toEqual({ seq: '6', id: null, reason: 'HEAD_MISMATCH' });

      await asSuperuserWithoutTriggers(client, `DELETE FROM audit_logs WHERE chain_seq = 2`);
      const third = await idAt(3);
      expect((await verify(client)).firstBroken).toEqual({ seq: '3', id: third, reason: 'SEQUENCE_GAP' });
    });
  });

  describe('migration', () => {
    let db: TestDatabase;

    afterAll(async () => {
      await db?.drop();
    });

    it('should chain the rows written before it, oldest id first', async () => {
      db = await createTestDatabase();
      const before = MIGRATIONS.slice(0, MIGRATIONS.indexOf(AuditHashChain1764000000700));
      const early = new DataSource({ ...dataSourceOptions(db.url, 1), migrations: before });
      await early.initialize();
      await early.runMigrations({ transaction: 'each' });
      await early.destroy();
      const client = await connect(db.url);
      try {
        await insertRows(client, 4, 'old');

        const all = new DataSource(dataSourceOptions(db.url, 1));
        await all.initialize();
        await all.runMigrations({ transaction: 'each' });
        await all.destroy();
        await insertRows(client, 2, 'new');

        const { rows } = await client.query(`SELECT entity_id, chain_seq::text AS seq FROM audit_logs ORDER BY id`);
        expect(rows.map((r: { seq: string }) => r.seq)).toEqual(['1', '2', '3', '4', '5', '6']);
        expect(await verify(client)).toMatchObject({ ok: true, rows: 6, head: { seq: '6' } });
      } finally {
        await client.end();
      }
    });
  });
});
