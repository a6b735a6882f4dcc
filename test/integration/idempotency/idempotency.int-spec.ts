import { DataSource } from 'typeorm';
import { IdempotencyCacheEntity } from '../../../src/idempotency/idempotency-cache.entity';
import { IdempotencyRepository } from '../../../src/idempotency/idempotency.repository';
import { IdempotencyConfig, IdempotencyService } from '../../../src/idempotency/idempotency.service';
import { dataSourceOptions } from '../../../src/infra/database/data-source';
import { createTestDatabase, TestDatabase } from '../../support/database';

/** Real: PostgreSQL with every migration, TypeORM, the repository and the service. Faked: nothing. */

const CONFIG: IdempotencyConfig = { idempotency: { ttlMinutes: 60 } };

let sequence = 0;
const aKey = () => `test:${process.pid}-${(sequence += 1)}`;

describe(IdempotencyService.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let sut: IdempotencyService;

  /** A row whose expires_at has passed; created_at moves back too, as the table checks expires_at > created_at. */
  const insertExpired = (key: string, state: 'in-progress' | 'done') =>
    dataSource.query(
      `INSERT INTO idempotency_cache (key, operation, request_hash, state, status_code, result, created_at, expires_at)
       VALUES ($1, 'test', 'old-hash', $2, 200, '{"stale":true}', now() - interval '2 hours', now() - interval '1 hour')`,
      [key, state],
    );
  const rowCount = async (key: string) =>
    (
      (await dataSource.query(`SELECT count(*)::int AS n FROM idempotency_cache WHERE key = $1`, [key])) as Array<{
        n: number;
      }>
    )[0].n;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: true });
    dataSource = new DataSource({ ...dataSourceOptions(db.url, 12), entities: [IdempotencyCacheEntity] });
    await dataSource.initialize();
    sut = new IdempotencyService(new IdempotencyRepository(dataSource.getRepository(IdempotencyCacheEntity)), CONFIG);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  describe('begin', () => {
    it('should let exactly one of many concurrent callers claim a free key', async () => {
      const key = aKey();

      const outcomes = await Promise.all(Array.from({ length: 10 }, () => sut.begin(key, 'test', 'h1')));

      expect(outcomes.filter((o) => o.state === 'claimed')).toHaveLength(1);
      expect(outcomes.filter((o) => o.state === 'in-progress')).toEqual(
        Array(9).fill({ state: 'in-progress', requestHash: 'h1' }),
      );
    });

    it('should let exactly one caller claim a key whose record has expired', async () => {
      const key = aKey();
      await insertExpired(key, 'done');

      const outcomes = await Promise.all(Array.from({ length: 10 }, () => sut.begin(key, 'test', 'h-new')));

      expect(outcomes.filter((o) => o.state === 'claimed')).toHaveLength(1);
      expect(await sut.getResult(key)).toEqual({ state: 'in-progress', requestHash: 'h-new' });
    });

    it('should return the finished record to a later caller instead of claiming', async () => {
      const key = aKey();
      await sut.begin(key, 'test', 'h1');
      await sut.saveResult(key, 'test', 'h1', 201, { id: 1 });

      expect(await sut.begin(key, 'test', 'h2')).toEqual({
        state: 'done',
        requestHash: 'h1',
        statusCode: 201,
        result: { id: 1 },
      });
    });

    it('should hold an in-progress claim only for its own lease', async () => {
      const key = aKey();
      await sut.begin(key, 'test', 'h1', 0.001); // 60 ms

      await new Promise((resolve) => setTimeout(resolve, 120));

      expect(await sut.begin(key, 'test', 'h2')).toEqual({ state: 'claimed' });
    });
  });

  describe('saveResult and getResult', () => {
    it('should round-trip status and JSON result, keeping "returned nothing" apart from null', async () => {
      const [object, nothing, jsonNull] = [aKey(), aKey(), aKey()];
      await sut.begin(object, 'test', 'h1');

      await sut.saveResult(object, 'test', 'h1', 200, {
        changed: true,
        nested: { list: [1, 'two', null] },
        price: '65000.5',
      });
      await sut.saveResult(nothing, 'test', 'h1', 204, undefined);
      await sut.saveResult(jsonNull, 'test', 'h1', 200, null);

      expect(await sut.getResult(object)).toEqual({
        state: 'done',
        requestHash: 'h1',
        statusCode: 200,
        result: { changed: true, nested: { list: [1, 'two', null] }, price: '65000.5' },
      });
      expect(await sut.getResult(nothing)).toEqual({
        state: 'done',
        requestHash: 'h1',
        statusCode: 204,
        result: undefined,
      });
      expect(await sut.getResult(jsonNull)).toEqual({
        state: 'done',
        requestHash: 'h1',
        statusCode: 200,
        result: null,
      });
    });

    it('should store the result with the configured TTL by default', async () => {
      const key = aKey();

      await sut.saveResult(key, 'test', 'h1', 200, {});

      const [{ minutes }] = (await dataSource.query(
        `SELECT extract(epoch FROM expires_at - now()) / 60 AS minutes FROM idempotency_cache WHERE key = $1`,
        [key],
      )) as Array<{ minutes: string }>;
      expect(Number(minutes)).toBeGreaterThan(59);
      expect(Number(minutes)).toBeLessThanOrEqual(60);
    });

    it('should return null for an unknown key', async () => {
      expect(await sut.getResult(aKey())).toBeNull();
    });
  });

  describe('expiry', () => {
    it('should ignore an expired record in getResult and delete it in cleanupExpired', async () => {
      const [expiredDone, expiredClaim, live] = [aKey(), aKey(), aKey()];
      await insertExpired(expiredDone, 'done');
      await insertExpired(expiredClaim, 'in-progress');
      await sut.saveResult(live, 'test', 'h1', 200, { kept: true });

      expect(await sut.getResult(expiredDone)).toBeNull();
      expect(await sut.getResult(expiredClaim)).toBeNull();
      const removed = await sut.cleanupExpired();

      expect(removed).toBeGreaterThanOrEqual(2); // other tests' expired rows may go too
      expect([await rowCount(expiredDone), await rowCount(expiredClaim)]).toEqual([0, 0]);
      expect(await sut.getResult(live)).toMatchObject({ state: 'done', result: { kept: true } });
      expect(await sut.cleanupExpired()).toBe(0);
    });
  });

  describe('release', () => {
    it('should drop an in-progress claim so the key can be claimed again', async () => {
      const key = aKey();
      await sut.begin(key, 'test', 'h1');

      expect(await sut.release(key)).toBe(true);

      expect(await sut.getResult(key)).toBeNull();
      expect(await sut.begin(key, 'test', 'h1')).toEqual({ state: 'claimed' });
    });

    it('should keep a finished record', async () => {
      const key = aKey();
      await sut.saveResult(key, 'test', 'h1', 200, { id: 1 });

      expect(await sut.release(key)).toBe(false);

      expect(await sut.getResult(key)).toMatchObject({ state: 'done' });
    });
  });

  it('should refuse keys and TTLs the table cannot hold before reaching it', async () => {
    await expect(sut.begin('k'.repeat(129), 'test', 'h1')).rejects.toThrow(RangeError);
    await expect(sut.begin(aKey(), 'test', 'h1', 0)).rejects.toThrow(RangeError);
    await expect(sut.saveResult(aKey(), '', 'h1', 200, {})).rejects.toThrow(RangeError);
  });

  it('should derive keys and client order ids deterministically', () => {
    expect(sut.idempotencyKey('op', { b: 1, a: 2 })).toBe(sut.idempotencyKey('op', { a: 2, b: 1 }));
    expect(sut.generateClientOrderId({ kind: 'entry', signalId: 'sig-1' })).toBe('Esig-1');
  });
});
