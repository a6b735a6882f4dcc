import { Client } from 'pg';
import { InitialSchema1764000000000 } from '../../../migrations/1764000000000-initial-schema';
import { MIGRATIONS } from '../../../migrations';
import { revertLastMigration, runMigrations } from '../../../src/infra/database/data-source';
import { createTestDatabase, TestDatabase } from '../../support/database';

/**
 * Real: PostgreSQL (no TimescaleDB locally, so the native-partitioning branch), every migration of MIGRATIONS,
 * the advisory-locked runner and revert of src/infra/database/data-source.ts. Faked: nothing.
 */
const TABLES = ['audit_logs', 'idempotency_cache', 'market_data_snapshots', 'orders', 'positions', 'trades'];

const ENUMS: Record<string, string[]> = {
  order_side: ['Buy', 'Sell'],
  order_type: ['Market', 'Limit'],
  order_status: ['Pending', 'Placed', 'PartiallyFilled', 'Filled', 'Cancelled', 'Rejected', 'Failed'],
  position_status: ['Opening', 'Open', 'Closing', 'Closed'],
  audit_action: [
    'ORDER_CREATE',
    'ORDER_AMEND',
    'ORDER_CANCEL',
    'ORDER_FILL',
    'ORDER_REJECT',
    'ORDER_STATUS_CHANGE',
    'POSITION_OPEN',
    'POSITION_UPDATE',
    'POSITION_CLOSE',
    'RISK_REJECTION',
    'KILL_SWITCH_CHANGE',
    'BOT_START',
    'BOT_STOP',
    'CONFIG_CHANGE',
    'PASSWORD_CHANGE',
    'LOGIN_FAILED',
    'RECONCILIATION_FIX',
    'CIRCUIT_BREAKER_CHANGE',
    // Added by migration 1764000000200 (PostgreSQL appends new enum values).
    'RECONCILIATION_RUN',
    // 1764000000500.
    'SYMBOL_OWNERSHIP_CHANGE',
  ],
};

/** The analysis queries of the original design and the hot lookups, each with the index that serves it. */
const INDEXES: Record<string, RegExp> = {
  idx_positions_closed_realized_pnl: /\(realized_pnl DESC\) WHERE \(status = 'Closed'/,
  idx_positions_closed_exit_reason: /\(exit_reason\) WHERE \(status = 'Closed'/,
  idx_positions_closed_signal_type:
    /\(\(\(signal_data ->> 'type'::text\)\)\) WHERE \(\(status = 'Closed'.*signal_data IS NOT NULL/,
  idx_positions_open_symbol: /\(symbol\) WHERE \(status <> 'Closed'/,
  idx_audit_logs_failed_timestamp: /\("timestamp" DESC\) WHERE \(success = false\)/,
  idx_audit_logs_trace_id: /\(trace_id\)/,
  idx_audit_logs_entity: /\(entity_type, entity_id, "timestamp" DESC\)/,
  idx_orders_symbol_status: /\(symbol, status\)/,
  idx_orders_active: /\(symbol, created_at\) WHERE \(status = ANY/,
  idx_trades_order_id: /\(order_id\)/,
  idx_trades_symbol_executed_at: /\(symbol, executed_at DESC\)/,
  idx_idempotency_cache_expires_at: /\(expires_at\)/,
};

describe(InitialSchema1764000000000.name, () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    (await client.query(sql, params)).rows as T[];

  const userTables = () =>
    rows<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`,
    ).then((r) => r.map((x) => x.relname));

  const enums = () =>
    rows<{ typname: string; labels: string[] }>(
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' GROUP BY t.typname`,
    );

  const utcDayName = (offsetDays: number) => {
    const day = new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    return `market_data_snapshots_p${day}`;
  };

  it('should apply every migration when the database is empty', async () => {
    const applied = await runMigrations(db.url);

    expect(applied).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('should create the six tables when migrated up', async () => {
    expect(await userTables()).toEqual(expect.arrayContaining(TABLES));
  });

  it('should create the five enums with their values in order when migrated up', async () => {
    const found = Object.fromEntries((await enums()).map((e) => [e.typname, e.labels]));

    expect(found).toEqual(ENUMS);
  });

  it('should link trades to orders and orders to positions when migrated up', async () => {
    const fks = await rows<{ conname: string; child: string; parent: string }>(
      `SELECT conname, conrelid::regclass::text AS child, confrelid::regclass::text AS parent
         FROM pg_constraint WHERE contype = 'f' ORDER BY conname`,
    );

    expect(fks).toEqual([
      { conname: 'fk_orders_position_id', child: 'orders', parent: 'positions' },
      { conname: 'fk_trades_order_id', child: 'trades', parent: 'orders' },
      { conname: 'fk_trades_position_id', child: 'trades', parent: 'positions' },
    ]);
  });

  it('should create the analysis indexes with their expressions and predicates when migrated up', async () => {
    const found = new Map(
      (
        await rows<{ indexname: string; indexdef: string }>(
          `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'idx\\_%'`,
        )
      ).map((r) => [r.indexname, r.indexdef]),
    );

    expect(found.size).toBeGreaterThanOrEqual(8);
    for (const [name, shape] of Object.entries(INDEXES)) {
      expect({ name, def: found.get(name) }).toEqual({ name, def: expect.stringMatching(shape) });
    }
  });

  it('should enforce the unique keys and the optimistic-lock columns when migrated up', async () => {
    const uniques = await rows<{ conname: string }>(
      `SELECT conname FROM pg_constraint WHERE contype = 'u' ORDER BY conname`,
    );
    const versions = await rows<{ table_name: string; is_nullable: string; column_default: string }>(
      `SELECT table_name, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name = 'version' ORDER BY table_name`,
    );

    expect(uniques.map((u) => u.conname)).toEqual(
      expect.arrayContaining(['uq_orders_client_order_id', 'uq_trades_exec_id']),
    );
    // The venue's order id is not ours to keep unique (a reset simulator reuses them): orders are keyed by
    // client_order_id, exchange_order_id only indexed (1764000000800).
    expect(uniques.map((u) => u.conname)).not.toContain('uq_orders_exchange_order_id');
    expect(
      await rows(`SELECT indexname FROM pg_indexes WHERE indexname = 'idx_orders_exchange_order_id'`),
    ).toHaveLength(1);
    expect(versions).toEqual([
      { table_name: 'orders', is_nullable: 'NO', column_default: '1' },
      { table_name: 'positions', is_nullable: 'NO', column_default: '1' },
      { table_name: 'risk_state', is_nullable: 'NO', column_default: '1' },
    ]);
  });

  it('should store money and quantities as numeric when migrated up', async () => {
    const floats = await rows<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('real', 'double precision')`,
    );
    const orderQuantity = await rows<{ data_type: string }>(
      `SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'quantity'`,
    );

    expect(floats).toEqual([]);
    expect(orderQuantity).toEqual([{ data_type: 'numeric' }]);
  });

  it('should guard audit_logs with triggers for update, delete and truncate when migrated up', async () => {
    const triggers = await rows<{ tgname: string; events: string }>(
      `SELECT tgname,
              concat_ws(',', CASE WHEN tgtype & 4 <> 0 THEN 'INSERT' END, CASE WHEN tgtype & 8 <> 0 THEN 'DELETE' END, CASE WHEN tgtype & 16 <> 0 THEN 'UPDATE' END,
                        CASE WHEN tgtype & 32 <> 0 THEN 'TRUNCATE' END) AS events
         FROM pg_trigger WHERE tgrelid = 'audit_logs'::regclass AND NOT tgisinternal ORDER BY tgname`,
    );

    expect(triggers).toEqual([
      { tgname: 'trg_audit_logs_append_only', events: 'DELETE,UPDATE' },
      { tgname: 'trg_audit_logs_no_truncate', events: 'TRUNCATE' },
      // 1764000000700: the hash chain, computed on insert.
      { tgname: 'trg_audit_logs_zz_hash_chain', events: 'INSERT' },
    ]);
  });

  it('should range-partition market_data_snapshots by day from yesterday to today+3 when timescaledb is absent', async () => {
    const [parent] = await rows<{ relkind: string; strategy: string; key: string }>(
      `SELECT c.relkind, p.partstrat AS strategy, pg_get_partkeydef(c.oid) AS key
         FROM pg_class c JOIN pg_partitioned_table p ON p.partrelid = c.oid WHERE c.relname = 'market_data_snapshots'`,
    );
    const partitions = await rows<{ relname: string; bound: string }>(
      `SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'market_data_snapshots'::regclass ORDER BY c.relname`,
    );

    expect(parent).toEqual({ relkind: 'p', strategy: 'r', key: 'RANGE (ts)' });
    expect(partitions.map((p) => p.relname)).toEqual([-1, 0, 1, 2, 3].map(utcDayName));
    // Bounds are whole UTC days, shown in the session time zone; compare as instants.
    const [{ lower, upper }] = await rows<{ lower: boolean; upper: boolean }>(
      `SELECT (regexp_match($1, 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz = date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS lower,
              (regexp_match($1, 'TO \\(''([^'']+)''\\)'))[1]::timestamptz = (date_trunc('day', now() AT TIME ZONE 'UTC') + INTERVAL '1 day') AT TIME ZONE 'UTC' AS upper`,
      [partitions[1].bound],
    );
    expect({ lower, upper }).toEqual({ lower: true, upper: true });
  });

  it('should remove every table, enum, function and partition when all migrations are reverted', async () => {
    let reverted = 0;
    while (await revertLastMigration(db.url)) reverted += 1;

    const leftovers = await rows<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I')
          AND c.relname NOT LIKE 'schema_migrations%' AND c.relname NOT LIKE 'pk_schema_migrations%'
          AND c.relname NOT LIKE 'PK_%'`,
    );
    const functions = await rows<{ proname: string }>(
      `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
    );
    expect(reverted).toBe(MIGRATIONS.length);
    expect(await userTables()).toEqual(['schema_migrations']);
    expect(leftovers).toEqual([]);
    expect(await enums()).toEqual([]);
    expect(functions).toEqual([]);
  });

  it('should apply everything again when migrated up after a full revert', async () => {
    const applied = await runMigrations(db.url);

    expect(applied).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await userTables()).toEqual(expect.arrayContaining(TABLES));
    expect((await enums()).map((e) => e.typname).sort()).toEqual(Object.keys(ENUMS).sort());
  });
});
