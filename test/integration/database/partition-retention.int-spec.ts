import { DataSource } from 'typeorm';
import { FixedClock } from '../../../src/common/clock';
import { dataSourceOptions } from '../../../src/infra/database/data-source';
import { SnapshotRetentionService } from '../../../src/market-data/snapshot-retention.service';
import { createTestDatabase, TestDatabase } from '../../support/database';

/**
 * Real: PostgreSQL with every migration (natively partitioned market_data_snapshots, since TimescaleDB is not
 * installed here) and SnapshotRetentionService. Faked: the clock, fixed in the past so that the partitions the
 * migration made around the real today are all "future" and must never be touched.
 */
const NOW = new Date('2024-06-15T12:00:00.000Z');

describe(SnapshotRetentionService.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let sut: SnapshotRetentionService;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: true });
    dataSource = new DataSource({ ...dataSourceOptions(db.url, 4), entities: [] });
    await dataSource.initialize();
    sut = new SnapshotRetentionService(
      dataSource,
      { database: { marketDataRetentionDays: 7 } },
      new FixedClock(NOW.getTime()),
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const partitions = async (): Promise<string[]> =>
    (
      (await dataSource.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'market_data_snapshots'::regclass ORDER BY c.relname`,
      )) as Array<{ relname: string }>
    ).map((r) => r.relname);

  const createPartition = (name: string, from: string, to: string) =>
    dataSource.query(
      `CREATE TABLE ${name} PARTITION OF market_data_snapshots FOR VALUES FROM ('${from}') TO ('${to}')`,
    );

  const insertSnapshot = (ts: string) =>
    dataSource.query(
      `INSERT INTO market_data_snapshots (symbol, ts, best_bid, best_ask, mid_price, bids, metrics)
       VALUES ('BTCUSDT', $1, '65000.1', '65000.2', '65000.15', '[["65000.1","1.5"]]', '{"imbalance":0.7}')`,
      [ts],
    );

  const rowsIn = async (partition: string) =>
    Number((await dataSource.query(`SELECT count(*)::int AS n FROM ${partition}`))[0].n);

  it('should detect native partitioning when timescaledb is absent', async () => {
    await expect(sut.detectMode()).resolves.toBe('partitioned');
  });

  it('should create today and the next three UTC days when ensuring partitions', async () => {
    const result = await sut.ensurePartitions(NOW);

    expect(result).toEqual({
      mode: 'partitioned',
      created: [
        'market_data_snapshots_p20240615',
        'market_data_snapshots_p20240616',
        'market_data_snapshots_p20240617',
        'market_data_snapshots_p20240618',
      ],
    });
    expect(await partitions()).toEqual(expect.arrayContaining(result.created));
  });

  it('should create nothing when the partitions already exist', async () => {
    await expect(sut.ensurePartitions(NOW)).resolves.toEqual({ mode: 'partitioned', created: [] });
  });

  it('should route a snapshot to the partition of its UTC day when one is written', async () => {
    await insertSnapshot('2024-06-15T23:59:59.999Z');
    await insertSnapshot('2024-06-16T00:00:00.000Z');

    expect([await rowsIn('market_data_snapshots_p20240615'), await rowsIn('market_data_snapshots_p20240616')]).toEqual([
      1, 1,
    ]);
  });

  it('should drop only partitions entirely older than the retention window and keep their neighbours data', async () => {
    await createPartition('market_data_snapshots_p20240605', '2024-06-05T00:00:00Z', '2024-06-06T00:00:00Z'); // 10 days back
    await createPartition('market_data_snapshots_p20240607', '2024-06-07T00:00:00Z', '2024-06-08T00:00:00Z'); // 8 days back
    await createPartition('market_data_snapshots_p20240608', '2024-06-08T00:00:00Z', '2024-06-09T00:00:00Z'); // straddles the cutoff
    await createPartition('market_data_snapshots_p20240612', '2024-06-12T00:00:00Z', '2024-06-13T00:00:00Z'); // inside
    // Someone's hand-made partition: not our naming scheme, so never ours to drop, however old.
    await createPartition('market_data_snapshots_archive', '2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z');
    for (const ts of [
      '2024-06-05T10:00:00Z',
      '2024-06-07T10:00:00Z',
      '2024-06-08T18:00:00Z',
      '2024-06-12T10:00:00Z',
      '2024-01-15T00:00:00Z',
    ]) {
      await insertSnapshot(ts);
    }
    const before = await partitions();

    const result = await sut.dropExpired(NOW, 7);

    expect(result).toEqual({
      mode: 'partitioned',
      dropped: ['market_data_snapshots_p20240605', 'market_data_snapshots_p20240607'],
    });
    expect(await partitions()).toEqual(before.filter((p) => !result.dropped.includes(p)));
    expect(await rowsIn('market_data_snapshots_p20240608')).toBe(1);
    expect(await rowsIn('market_data_snapshots_p20240612')).toBe(1);
    expect(await rowsIn('market_data_snapshots_p20240615')).toBe(1);
    expect(await rowsIn('market_data_snapshots_archive')).toBe(1);
    const [{ n }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM market_data_snapshots WHERE ts < '2024-06-08T00:00:00Z' AND ts >= '2024-06-01'`,
    );
    expect(n).toBe(0);
  });

  it('should use the configured retention and drop nothing more when run again', async () => {
    await expect(sut.dropExpired(NOW)).resolves.toEqual({ mode: 'partitioned', dropped: [] });
  });

  it('should keep every partition of the real today and after when the clock is in the past', async () => {
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');

    expect(await partitions()).toContain(`market_data_snapshots_p${today}`);
  });

  it('should run a whole pass at the clock time without throwing when maintained', async () => {
    const later = new SnapshotRetentionService(
      dataSource,
      { database: { marketDataRetentionDays: 3 } },
      new FixedClock(new Date('2024-06-16T00:05:00Z').getTime()),
    );

    await later.maintain();

    const names = await partitions();
    expect(names).toContain('market_data_snapshots_p20240619');
    expect(names).not.toContain('market_data_snapshots_p20240612'); // upper bound 06-13 <= 06-16 00:05 - 3 days
    expect(names).toContain('market_data_snapshots_p20240615');
  });

  it('should share one pass when maintain is called concurrently', async () => {
    const [a, b] = [sut.maintain(), sut.maintain()];

    expect(a).toBe(b);
    await a;
  });
});
