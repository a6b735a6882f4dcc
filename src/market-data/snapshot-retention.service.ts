import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import {
  DailyPartition,
  expiredPartitions,
  PARTITION_PREFIX,
  partitionsToEnsure,
  SNAPSHOT_TABLE,
} from './domain/partition-plan';

/** How `market_data_snapshots` is stored in this database (decided by migration 1764000000000). */
export type SnapshotStorageMode = 'hypertable' | 'partitioned' | 'plain' | 'missing';

/** What the retention policy step did on a hypertable; `unavailable` = the server cannot schedule one. */
export type RetentionPolicyOutcome = 'created' | 'replaced' | 'unchanged' | 'unavailable';

export interface EnsurePartitionsResult {
  readonly mode: SnapshotStorageMode;
  /** Partitions created by this call (partitioned mode only). */
  readonly created: readonly string[];
}

export interface DropExpiredResult {
  readonly mode: SnapshotStorageMode;
  /** Partitions (partitioned mode) or chunks (hypertable without a policy) dropped by this call. */
  readonly dropped: readonly string[];
  /** Hypertable mode only. */
  readonly retentionPolicy?: RetentionPolicyOutcome;
}

/** The one setting this service reads; typed narrowly so a test can pass just that. */
export type SnapshotRetentionConfig = { readonly database: Pick<AppConfig['database'], 'marketDataRetentionDays'> };

/** Days of partitions kept ready ahead of today, so a write at midnight never meets a missing partition. */
const DAYS_AHEAD = 3;
// Serialises partition DDL between instances sharing one database (like the migration lock, a fixed 64-bit key).
const PARTITION_LOCK_KEY = 727_274_002;
// DDL on a partition queues behind, and then blocks, every writer of the table: give up quickly and retry next run.
const DDL_LOCK_TIMEOUT = '5s';

/**
 * Keeps `market_data_snapshots` bounded. With TimescaleDB it makes sure the hypertable has a retention policy of
 * MARKET_DATA_RETENTION_DAYS (the days are configuration, so the migration cannot set it); with native range
 * partitioning it creates the daily partitions for today..today+3 and drops those entirely older than the
 * retention window. Runs at start-up and hourly (minute 5, UTC), so the daily roll-over after 00:00 UTC is
 * covered at 00:05 and a missed run heals itself within the hour. Every step is idempotent.
 */
@Injectable()
export class SnapshotRetentionService implements OnModuleInit {
  private readonly logger = new Logger(SnapshotRetentionService.name);
  private running: Promise<void> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: SnapshotRetentionConfig,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.maintain();
  }

  @Cron('5 * * * *', { name: 'market-data-snapshot-retention', timeZone: 'UTC' })
  async onSchedule(): Promise<void> {
    await this.maintain();
  }

  /**
   * One maintenance pass at the clock's now. Never throws: a failed pass is logged and the next one retries,
   * because snapshots are analysis data and must not stop the process or the trading pipeline.
   * Overlapping calls share the pass in flight.
   */
  maintain(): Promise<void> {
    this.running ??= this.runPass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async detectMode(): Promise<SnapshotStorageMode> {
    const [table] = (await this.dataSource.query(
      `SELECT c.relkind
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND n.nspname = current_schema()`,
      [SNAPSHOT_TABLE],
    )) as Array<{ relkind: string }>;
    if (!table) return 'missing';
    if (table.relkind === 'p') return 'partitioned';
    const [{ hypertable }] = (await this.dataSource.query(
      `SELECT to_regclass('timescaledb_information.hypertables') IS NOT NULL AS hypertable`,
    )) as Array<{ hypertable: boolean }>;
    if (!hypertable) return 'plain';
    const [{ listed }] = (await this.dataSource.query(
      `SELECT EXISTS (
         SELECT 1 FROM timescaledb_information.hypertables
          WHERE hypertable_schema = current_schema() AND hypertable_name = $1
       ) AS listed`,
      [SNAPSHOT_TABLE],
    )) as Array<{ listed: boolean }>;
    return listed ? 'hypertable' : 'plain';
  }

  /** Partitioned mode: creates the missing partitions for the UTC days today..today+3 of `now`. */
  async ensurePartitions(now: Date): Promise<EnsurePartitionsResult> {
    const mode = await this.detectMode();
    if (mode !== 'partitioned') return { mode, created: [] };
    const wanted = partitionsToEnsure(now, DAYS_AHEAD);
    const created = await this.underPartitionLock(async (manager) => {
      const existing = new Set(await this.partitionNames(manager));
      const made: string[] = [];
      for (const partition of wanted.filter((p) => !existing.has(p.name))) {
        await manager.query(createPartitionSql(manager, partition));
        made.push(partition.name);
      }
      return made;
    });
    if (created.length > 0) this.logger.log({ created }, `created ${created.length} market data partition(s)`);
    return { mode, created };
  }

  /**
   * Partitioned mode: drops the partitions whose upper bound is at least `retentionDays` before `now` (only
   * names this service produces; never today's). Hypertable mode: makes sure the retention policy matches
   * `retentionDays`, or drops the old chunks itself when the server cannot schedule policies.
   */
  async dropExpired(
    now: Date,
    retentionDays = this.config.database.marketDataRetentionDays,
  ): Promise<DropExpiredResult> {
    const mode = await this.detectMode();
    if (mode === 'hypertable') return this.applyHypertableRetention(now, retentionDays);
    if (mode !== 'partitioned') return { mode, dropped: [] };
    const dropped = await this.underPartitionLock(async (manager) => {
      const expired = expiredPartitions(await this.partitionNames(manager), now, retentionDays);
      for (const partition of expired) {
        await manager.query(`DROP TABLE IF EXISTS ${manager.connection.driver.escape(partition.name)}`);
      }
      return expired.map((p) => p.name);
    });
    if (dropped.length > 0) {
      this.logger.log({ dropped, retentionDays }, `dropped ${dropped.length} expired market data partition(s)`);
    }
    return { mode, dropped };
  }

  private async runPass(): Promise<void> {
    const now = this.clock.now();
    try {
      const ensured = await this.ensurePartitions(now);
      const expired = await this.dropExpired(now);
      if (ensured.mode === 'missing' || ensured.mode === 'plain') {
        this.logger.warn(
          { mode: ensured.mode },
          `${SNAPSHOT_TABLE} is neither partitioned nor a hypertable: no retention`,
        );
      }
      this.logger.debug({ ensured, expired }, 'market data retention pass done');
    } catch (error) {
      this.logger.error({ err: error }, 'market data retention pass failed; the next pass retries');
    }
  }

  private async applyHypertableRetention(now: Date, retentionDays: number): Promise<DropExpiredResult> {
    try {
      const retentionPolicy = await this.ensureRetentionPolicy(retentionDays);
      if (retentionPolicy !== 'unchanged') {
        this.logger.log({ retentionDays, retentionPolicy }, `${SNAPSHOT_TABLE} retention policy ${retentionPolicy}`);
      }
      return { mode: 'hypertable', dropped: [], retentionPolicy };
    } catch (error) {
      // The Apache-only (OSS) build of TimescaleDB has no policies; drop_chunks is in every build.
      this.logger.warn({ err: error }, 'cannot schedule a TimescaleDB retention policy; dropping old chunks directly');
      const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
      const rows = (await this.dataSource.query(
        `SELECT drop_chunks($1::regclass, older_than => $2::timestamptz) AS chunk`,
        [SNAPSHOT_TABLE, cutoff],
      )) as Array<{ chunk: string }>;
      return { mode: 'hypertable', dropped: rows.map((r) => r.chunk), retentionPolicy: 'unavailable' };
    }
  }

  /**
   * One retention policy per hypertable (TimescaleDB's rule): add it when missing, replace it when the configured
   * days changed, in one transaction so there is never a moment without one.
   */
  private async ensureRetentionPolicy(retentionDays: number): Promise<RetentionPolicyOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const [current] = (await manager.query(
        `SELECT (config->>'drop_after')::interval = make_interval(days => $2::int) AS same
           FROM timescaledb_information.jobs
          WHERE proc_name = 'policy_retention' AND hypertable_schema = current_schema() AND hypertable_name = $1`,
        [SNAPSHOT_TABLE, retentionDays],
      )) as Array<{ same: boolean | null }>;
      if (current?.same) return 'unchanged';
      if (current)
        await manager.query(`SELECT remove_retention_policy($1::regclass, if_exists => true)`, [SNAPSHOT_TABLE]);
      await manager.query(
        `SELECT add_retention_policy($1::regclass, drop_after => make_interval(days => $2::int), if_not_exists => true)`,
        [SNAPSHOT_TABLE, retentionDays],
      );
      return current ? 'replaced' : 'created';
    });
  }

  /** Partition DDL in one transaction, serialised across instances, bounded in how long it waits for locks. */
  private underPartitionLock<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '${DDL_LOCK_TIMEOUT}'`);
      await manager.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK_KEY]);
      return work(manager);
    });
  }

  /** Names of the partitions of market_data_snapshots that follow our naming scheme. */
  private async partitionNames(manager: EntityManager): Promise<string[]> {
    const rows = (await manager.query(
      `SELECT child.relname
         FROM pg_inherits i
         JOIN pg_class parent ON parent.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = parent.relnamespace
         JOIN pg_class child ON child.oid = i.inhrelid
        WHERE parent.relname = $1 AND n.nspname = current_schema() AND starts_with(child.relname, $2)
        ORDER BY child.relname`,
      [SNAPSHOT_TABLE, PARTITION_PREFIX],
    )) as Array<{ relname: string }>;
    return rows.map((r) => r.relname);
  }
}

/** DDL takes no bind parameters; the name and bounds are produced by partition-plan, never by input. */
function createPartitionSql(manager: EntityManager, partition: DailyPartition): string {
  const driver = manager.connection.driver;
  return (
    `CREATE TABLE IF NOT EXISTS ${driver.escape(partition.name)} PARTITION OF ${driver.escape(SNAPSHOT_TABLE)} ` +
    `FOR VALUES FROM ('${partition.from.toISOString()}') TO ('${partition.to.toISOString()}')`
  );
}
