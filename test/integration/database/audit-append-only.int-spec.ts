import { ClsServiceManager, CLS_ID } from 'nestjs-cls';
import { DataSource, QueryFailedError } from 'typeorm';
import { AuditLogEntity } from '../../../src/audit/audit-log.entity';
import { AuditRepository } from '../../../src/audit/audit.repository';
import { SystemClock } from '../../../src/common/clock';
import { AuditService } from '../../../src/audit/audit.service';
import { dataSourceOptions } from '../../../src/infra/database/data-source';
import { EventBus } from '../../../src/infra/events/event-bus';
import { createTestDatabase, TestDatabase } from '../../support/database';

/**
 * Real: PostgreSQL with every migration (the append-only triggers), TypeORM, AuditRepository, AuditService and the
 * in-process EventBus. Faked: nothing.
 */
const APPEND_ONLY = /audit_logs is append-only/;

describe('audit_logs append-only', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repository: AuditRepository;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: true });
    dataSource = new DataSource({ ...dataSourceOptions(db.url, 4), entities: [AuditLogEntity] });
    await dataSource.initialize();
    repository = new AuditRepository(dataSource.getRepository(AuditLogEntity));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const count = async () => Number((await dataSource.query(`SELECT count(*)::int AS n FROM audit_logs`))[0].n);

  describe(AuditRepository.name, () => {
    it('should append a row with its JSONB context when inserting', async () => {
      const sut = repository;

      const row = await sut.append({
        action: 'ORDER_CREATE',
        entityType: 'order',
        entityId: 'o-1',
        newValue: { status: 'Pending', qty: '0.001' },
        context: { signal: { type: 'imbalance' } },
        traceId: 'trace-append',
      });

      expect(row).toBeInstanceOf(AuditLogEntity);
      expect(row).toMatchObject({
        action: 'ORDER_CREATE',
        actor: 'system',
        success: true,
        oldValue: null,
        traceId: 'trace-append',
      });
      expect(row.id).toMatch(/^\d+$/);
      expect(row.timestamp).toBeInstanceOf(Date);
      expect(await sut.query({ traceId: 'trace-append' })).toEqual([row]);
    });

    it('should filter by entity, action, success and time window when querying', async () => {
      const sut = repository;
      const t0 = new Date('2025-01-01T00:00:00Z');
      await sut.append({ action: 'POSITION_OPEN', entityType: 'position', entityId: 'p-9', timestamp: t0 });
      await sut.append({
        action: 'POSITION_CLOSE',
        entityType: 'position',
        entityId: 'p-9',
        timestamp: new Date(t0.getTime() + 1000),
      });
      await sut.append({
        action: 'RISK_REJECTION',
        entityType: 'risk',
        success: false,
        errorMessage: 'limit',
        timestamp: new Date(t0.getTime() + 2000),
      });

      const history = await sut.query({ entityType: 'position', entityId: 'p-9' });
      const window = await sut.query({ from: t0, to: new Date(t0.getTime() + 1000) });
      const failures = await sut.query({ success: false, from: t0 });

      expect(history.map((r) => r.action)).toEqual(['POSITION_CLOSE', 'POSITION_OPEN']);
      expect(window.map((r) => r.action)).toEqual(['POSITION_OPEN']);
      expect(failures.map((r) => r.action)).toEqual(['RISK_REJECTION']);
    });

    it('should expose no method that changes or removes rows', () => {
      const methods = Object.getOwnPropertyNames(AuditRepository.prototype).filter((m) => m !== 'constructor');

      expect(methods).toEqual(expect.arrayContaining(['append', 'query']));
      expect(methods.filter((m) => /update|delete|remove|save|clear|truncate|upsert/i.test(m))).toEqual([]);
    });
  });

  describe('database enforcement', () => {
    beforeEach(async () => {
      await repository.append({ action: 'CONFIG_CHANGE', entityType: 'config', newValue: { LOG_LEVEL: 'debug' } });
    });

    it.each([
      ['UPDATE', `UPDATE audit_logs SET reason = 'rewritten'`],
      ['UPDATE of no row', `UPDATE audit_logs SET reason = 'x' WHERE false`],
      ['DELETE', `DELETE FROM audit_logs`],
      ['DELETE of no row', `DELETE FROM audit_logs WHERE false`],
      ['TRUNCATE', `TRUNCATE audit_logs`],
      ['TRUNCATE ... CASCADE', `TRUNCATE audit_logs CASCADE`],
    ])('should reject raw %s when issued in SQL', async (_label, sql) => {
      const before = await count();

      await expect(dataSource.query(sql)).rejects.toThrow(APPEND_ONLY);
      expect(await count()).toBe(before);
    });

    it('should report insufficient_privilege when a mutation is refused', async () => {
      const error = await dataSource.query(`DELETE FROM audit_logs`).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(QueryFailedError);
      expect((error as QueryFailedError).driverError).toMatchObject({ code: '42501' });
    });

    it('should reject updates, saves, deletes and clear when done through TypeORM', async () => {
      const orm = dataSource.getRepository(AuditLogEntity);
      const [row] = await orm.find({ order: { id: 'DESC' }, take: 1 });
      const before = await count();

      await expect(orm.update({ id: row.id }, { reason: 'rewritten' })).rejects.toThrow(APPEND_ONLY);
      await expect(orm.save({ ...row, success: false })).rejects.toThrow(APPEND_ONLY);
      await expect(orm.delete({ id: row.id })).rejects.toThrow(APPEND_ONLY);
      await expect(orm.remove(row)).rejects.toThrow(APPEND_ONLY);
      await expect(orm.clear()).rejects.toThrow(APPEND_ONLY);
      await expect(orm.createQueryBuilder().delete().execute()).rejects.toThrow(APPEND_ONLY);

      expect(await count()).toBe(before);
      expect(await orm.findOneBy({ id: row.id })).toEqual(row);
    });

    it('should still accept inserts after refusing a mutation', async () => {
      await dataSource.query(`DELETE FROM audit_logs`).catch(() => undefined);

      await expect(
        dataSource.query(`INSERT INTO audit_logs (action, entity_type) VALUES ('BOT_START', 'bot')`),
      ).resolves.toBeDefined();
    });
  });

  describe(AuditService.name, () => {
    let bus: EventBus;
    let sut: AuditService;

    beforeEach(() => {
      bus = new EventBus();
      sut = new AuditService(repository, bus, new SystemClock());
      sut.onModuleInit();
    });

    afterEach(() => sut.onModuleDestroy());

    it('should take the trace id from the CLS context when the entry has none', async () => {
      const cls = ClsServiceManager.getClsService();

      const row = await cls.run(async () => {
        cls.set(CLS_ID, 'trace-from-cls');
        return sut.record({ action: 'KILL_SWITCH_CHANGE', entityType: 'risk', actor: 'operator' });
      });

      expect(row.traceId).toBe('trace-from-cls');
    });

    it('should leave the trace id empty when there is no trace context', async () => {
      const row = await sut.record({ action: 'CIRCUIT_BREAKER_CHANGE', entityType: 'breaker', entityId: 'bybit-rest' });

      expect(row.traceId).toBeNull();
    });

    it('should write one row per bot and auth event when they are published', async () => {
      bus.publish('bot.started', { traceId: 'tr-start', actor: 'operator', previous: 'stopped', mode: 'sim' });
      bus.publish('bot.stopped', { traceId: 'tr-stop', actor: 'operator', previous: 'running', reason: 'manual' });
      bus.publish('auth.password-changed', { traceId: 'tr-pw', actor: 'operator', passwordVersion: 2 });
      bus.publish('auth.password-check-failed', {
        traceId: 'tr-login',
        actor: 'operator',
        clientAddress: '203.0.113.7',
      });
      await bus.drain();

      const rows = await Promise.all(
        ['tr-start', 'tr-stop', 'tr-pw', 'tr-login'].map((traceId) => sut.list({ traceId })),
      );

      expect(rows.map((r) => r.length)).toEqual([1, 1, 1, 1]);
      expect(rows.map(([r]) => ({ action: r.action, success: r.success, actor: r.actor }))).toEqual([
        { action: 'BOT_START', success: true, actor: 'operator' },
        { action: 'BOT_STOP', success: true, actor: 'operator' },
        { action: 'PASSWORD_CHANGE', success: true, actor: 'operator' },
        { action: 'LOGIN_FAILED', success: false, actor: 'operator' },
      ]);
      expect(rows[0][0]).toMatchObject({ oldValue: { state: 'stopped' }, newValue: { state: 'running', mode: 'sim' } });
      expect(rows[1][0].reason).toBe('manual');
      expect(JSON.stringify(rows[2][0])).not.toMatch(/hash|password"/i);
      expect(rows[3][0]).toMatchObject({
        errorMessage: 'wrong current password',
        context: { clientAddress: '203.0.113.7' },
      });
    });

    it('should stop writing when the module is destroyed', async () => {
      await sut.onModuleDestroy();

      bus.publish('bot.started', { traceId: 'tr-after-destroy', actor: 'operator', previous: 'stopped', mode: 'sim' });
      await bus.drain();

      expect(await sut.list({ traceId: 'tr-after-destroy' })).toEqual([]);
    });
  });
});
