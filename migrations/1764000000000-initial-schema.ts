import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The trading schema: orders, positions, trades (executions), audit_logs, idempotency_cache and
 * market_data_snapshots, with their enums, foreign keys and the indexes the analysis queries need.
 *
 * Conventions: money and quantities are unconstrained NUMERIC (exact, and a value reads back exactly as it was
 * written, so "0.001" does not come back as "0.001000000000000000"); constraints are named so repositories can
 * recognise a violation by name; `version` columns back optimistic locking on orders and positions.
 *
 * market_data_snapshots is a TimescaleDB hypertable when the extension can be used, otherwise a natively
 * range-partitioned table (daily partitions). Retention is not decided here: the days come from configuration,
 * so SnapshotRetentionService adds the retention policy (hypertable) or drops old partitions (native) at runtime.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.createEnums(queryRunner);
    await this.createPositions(queryRunner);
    await this.createOrders(queryRunner);
    await this.createTrades(queryRunner);
    await this.createAuditLogs(queryRunner);
    await this.createIdempotencyCache(queryRunner);
    await this.createMarketDataSnapshots(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Reverse order of creation; DROP TABLE does not fire the audit triggers (they guard rows, not the table).
    // The timescaledb extension is deliberately left installed: it is database-level infrastructure (the
    // timescale/timescaledb image installs it in every new database) and dropping it could take other
    // hypertables with it. Dropping market_data_snapshots drops its chunks or partitions; no CASCADE, so an
    // object someone built on top of it (a view, a continuous aggregate) makes the revert fail loudly instead.
    await queryRunner.query(`DROP TABLE IF EXISTS market_data_snapshots`);
    await queryRunner.query(`DROP TABLE IF EXISTS idempotency_cache`);
    await queryRunner.query(`DROP TABLE IF EXISTS audit_logs`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS audit_logs_reject_mutation()`);
    await queryRunner.query(`DROP TABLE IF EXISTS trades`);
    await queryRunner.query(`DROP TABLE IF EXISTS orders`);
    await queryRunner.query(`DROP TABLE IF EXISTS positions`);
    await queryRunner.query(`DROP TYPE IF EXISTS audit_action`);
    await queryRunner.query(`DROP TYPE IF EXISTS position_status`);
    await queryRunner.query(`DROP TYPE IF EXISTS order_status`);
    await queryRunner.query(`DROP TYPE IF EXISTS order_type`);
    await queryRunner.query(`DROP TYPE IF EXISTS order_side`);
  }

  private async createEnums(queryRunner: QueryRunner): Promise<void> {
    // Values spelled as Bybit spells them (Buy/Sell, Market/Limit) so no mapping is needed at the edge.
    await queryRunner.query(`CREATE TYPE order_side AS ENUM ('Buy', 'Sell')`);
    await queryRunner.query(`CREATE TYPE order_type AS ENUM ('Market', 'Limit')`);
    await queryRunner.query(
      `CREATE TYPE order_status AS ENUM ('Pending', 'Placed', 'PartiallyFilled', 'Filled', 'Cancelled', 'Rejected', 'Failed')`,
    );
    await queryRunner.query(`CREATE TYPE position_status AS ENUM ('Opening', 'Open', 'Closing', 'Closed')`);
    await queryRunner.query(`
      CREATE TYPE audit_action AS ENUM (
        'ORDER_CREATE', 'ORDER_AMEND', 'ORDER_CANCEL', 'ORDER_FILL', 'ORDER_REJECT', 'ORDER_STATUS_CHANGE',
        'POSITION_OPEN', 'POSITION_UPDATE', 'POSITION_CLOSE',
        'RISK_REJECTION', 'KILL_SWITCH_CHANGE', 'BOT_START', 'BOT_STOP', 'CONFIG_CHANGE',
        'PASSWORD_CHANGE', 'LOGIN_FAILED', 'RECONCILIATION_FIX', 'CIRCUIT_BREAKER_CHANGE'
      )
    `);
  }

  private async createPositions(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE positions (
        id                 uuid            NOT NULL DEFAULT gen_random_uuid(),
        symbol             varchar(32)     NOT NULL,
        side               order_side      NOT NULL,
        status             position_status NOT NULL DEFAULT 'Opening',
        quantity           numeric         NOT NULL,
        -- Unknown until the opening order fills.
        entry_price        numeric,
        exit_price         numeric,
        unrealized_pnl     numeric         NOT NULL DEFAULT 0,
        realized_pnl       numeric         NOT NULL DEFAULT 0,
        fees               numeric         NOT NULL DEFAULT 0,
        take_profit        numeric,
        stop_loss          numeric,
        entry_reason       text,
        exit_reason        varchar(64),
        signal_data        jsonb,
        entry_market_data  jsonb,
        entry_indicators   jsonb,
        exit_signal_data   jsonb,
        exit_market_data   jsonb,
        exit_indicators    jsonb,
        state_history      jsonb           NOT NULL DEFAULT '[]'::jsonb,
        opened_at          timestamptz,
        closed_at          timestamptz,
        created_at         timestamptz     NOT NULL DEFAULT now(),
        updated_at         timestamptz     NOT NULL DEFAULT now(),
        trace_id           varchar(64),
        version            integer         NOT NULL DEFAULT 1,
        CONSTRAINT pk_positions PRIMARY KEY (id),
        CONSTRAINT ck_positions_quantity_non_negative CHECK (quantity >= 0),
        CONSTRAINT ck_positions_entry_price_positive CHECK (entry_price IS NULL OR entry_price > 0),
        CONSTRAINT ck_positions_exit_price_positive CHECK (exit_price IS NULL OR exit_price > 0),
        CONSTRAINT ck_positions_state_history_array CHECK (jsonb_typeof(state_history) = 'array'),
        CONSTRAINT ck_positions_version_positive CHECK (version >= 1)
      )
    `);
    // "Top profitable closed positions": ORDER BY realized_pnl DESC over closed rows only.
    await queryRunner.query(
      `CREATE INDEX idx_positions_closed_realized_pnl ON positions (realized_pnl DESC) WHERE status = 'Closed'`,
    );
    // "Exit reason analysis": GROUP BY exit_reason over closed rows.
    await queryRunner.query(
      `CREATE INDEX idx_positions_closed_exit_reason ON positions (exit_reason) WHERE status = 'Closed'`,
    );
    // "Signal effectiveness": GROUP BY signal_data->>'type' over closed rows that carry a signal.
    await queryRunner.query(
      `CREATE INDEX idx_positions_closed_signal_type ON positions ((signal_data->>'type'))
         WHERE status = 'Closed' AND signal_data IS NOT NULL`,
    );
    // Risk and the pipeline ask for the open positions of a symbol on every decision; closed rows pile up.
    await queryRunner.query(`CREATE INDEX idx_positions_open_symbol ON positions (symbol) WHERE status <> 'Closed'`);
  }

  private async createOrders(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orders (
        id                 uuid          NOT NULL DEFAULT gen_random_uuid(),
        -- Bybit orderLinkId: deterministic per signal, at most 36 characters; the write-ahead key.
        client_order_id    varchar(36)   NOT NULL,
        exchange_order_id  varchar(64),
        symbol             varchar(32)   NOT NULL,
        side               order_side    NOT NULL,
        order_type         order_type    NOT NULL,
        status             order_status  NOT NULL DEFAULT 'Pending',
        time_in_force      varchar(16)   NOT NULL DEFAULT 'GTC',
        quantity           numeric       NOT NULL,
        price              numeric,
        filled_quantity    numeric       NOT NULL DEFAULT 0,
        avg_fill_price     numeric,
        fee                numeric       NOT NULL DEFAULT 0,
        reduce_only        boolean       NOT NULL DEFAULT false,
        position_id        uuid,
        signal_data        jsonb,
        market_data        jsonb,
        indicators         jsonb,
        reason             text,
        state_history      jsonb         NOT NULL DEFAULT '[]'::jsonb,
        trace_id           varchar(64),
        error_message      text,
        created_at         timestamptz   NOT NULL DEFAULT now(),
        updated_at         timestamptz   NOT NULL DEFAULT now(),
        placed_at          timestamptz,
        filled_at          timestamptz,
        cancelled_at       timestamptz,
        version            integer       NOT NULL DEFAULT 1,
        CONSTRAINT pk_orders PRIMARY KEY (id),
        CONSTRAINT uq_orders_client_order_id UNIQUE (client_order_id),
        CONSTRAINT uq_orders_exchange_order_id UNIQUE (exchange_order_id),
        CONSTRAINT fk_orders_position_id FOREIGN KEY (position_id) REFERENCES positions (id) ON DELETE RESTRICT,
        CONSTRAINT ck_orders_client_order_id_not_blank CHECK (char_length(client_order_id) > 0),
        -- https://bybit-exchange.github.io/docs/v5/enum#timeinforce
        CONSTRAINT ck_orders_time_in_force CHECK (time_in_force IN ('GTC', 'IOC', 'FOK', 'PostOnly')),
        CONSTRAINT ck_orders_quantity_positive CHECK (quantity > 0),
        CONSTRAINT ck_orders_limit_has_price CHECK (order_type = 'Market' OR price IS NOT NULL),
        CONSTRAINT ck_orders_price_positive CHECK (price IS NULL OR price > 0),
        CONSTRAINT ck_orders_filled_quantity_range CHECK (filled_quantity >= 0 AND filled_quantity <= quantity),
        CONSTRAINT ck_orders_state_history_array CHECK (jsonb_typeof(state_history) = 'array'),
        CONSTRAINT ck_orders_version_positive CHECK (version >= 1)
      )
    `);
    await queryRunner.query(`CREATE INDEX idx_orders_symbol_status ON orders (symbol, status)`);
    // Active orders are few and asked for constantly (risk exposure, recovery); keep that index tiny.
    await queryRunner.query(
      `CREATE INDEX idx_orders_active ON orders (symbol, created_at)
         WHERE status IN ('Pending', 'Placed', 'PartiallyFilled')`,
    );
    // Foreign keys are not indexed by PostgreSQL itself; orders of a position are looked up on close.
    await queryRunner.query(
      `CREATE INDEX idx_orders_position_id ON orders (position_id) WHERE position_id IS NOT NULL`,
    );
  }

  private async createTrades(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE trades (
        id             uuid         NOT NULL DEFAULT gen_random_uuid(),
        -- Bybit execId: the same execution arrives by WS and by REST (recovery); unique makes the insert idempotent.
        exec_id        varchar(64)  NOT NULL,
        order_id       uuid         NOT NULL,
        position_id    uuid,
        symbol         varchar(32)  NOT NULL,
        side           order_side   NOT NULL,
        price          numeric      NOT NULL,
        quantity       numeric      NOT NULL,
        -- Negative for maker rebates, so no sign check.
        fee            numeric      NOT NULL DEFAULT 0,
        fee_currency   varchar(16),
        is_maker       boolean      NOT NULL DEFAULT false,
        executed_at    timestamptz  NOT NULL,
        trace_id       varchar(64),
        created_at     timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT pk_trades PRIMARY KEY (id),
        CONSTRAINT uq_trades_exec_id UNIQUE (exec_id),
        CONSTRAINT fk_trades_order_id FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE RESTRICT,
        CONSTRAINT fk_trades_position_id FOREIGN KEY (position_id) REFERENCES positions (id) ON DELETE RESTRICT,
        CONSTRAINT ck_trades_price_positive CHECK (price > 0),
        CONSTRAINT ck_trades_quantity_positive CHECK (quantity > 0)
      )
    `);
    await queryRunner.query(`CREATE INDEX idx_trades_order_id ON trades (order_id)`);
    await queryRunner.query(`CREATE INDEX idx_trades_symbol_executed_at ON trades (symbol, executed_at DESC)`);
    await queryRunner.query(
      `CREATE INDEX idx_trades_position_id ON trades (position_id) WHERE position_id IS NOT NULL`,
    );
  }

  private async createAuditLogs(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_logs (
        id             bigint        GENERATED ALWAYS AS IDENTITY,
        "timestamp"    timestamptz   NOT NULL DEFAULT now(),
        action         audit_action  NOT NULL,
        entity_type    varchar(32)   NOT NULL,
        entity_id      varchar(64),
        actor          varchar(64)   NOT NULL DEFAULT 'system',
        old_value      jsonb,
        new_value      jsonb,
        context        jsonb,
        reason         text,
        trace_id       varchar(64),
        success        boolean       NOT NULL DEFAULT true,
        error_message  text,
        CONSTRAINT pk_audit_logs PRIMARY KEY (id)
      )
    `);
    // "Failed operations in the last 24 hours": WHERE success = false ORDER BY timestamp DESC.
    await queryRunner.query(
      `CREATE INDEX idx_audit_logs_failed_timestamp ON audit_logs ("timestamp" DESC) WHERE success = false`,
    );
    await queryRunner.query(`CREATE INDEX idx_audit_logs_trace_id ON audit_logs (trace_id) WHERE trace_id IS NOT NULL`);
    // History of one order or position, newest first.
    await queryRunner.query(
      `CREATE INDEX idx_audit_logs_entity ON audit_logs (entity_type, entity_id, "timestamp" DESC)`,
    );
    // GET /audit filtered by action and time range, and the unfiltered time range.
    await queryRunner.query(`CREATE INDEX idx_audit_logs_action_timestamp ON audit_logs (action, "timestamp" DESC)`);
    await queryRunner.query(`CREATE INDEX idx_audit_logs_timestamp ON audit_logs ("timestamp" DESC)`);

    // Append-only, enforced by the database rather than by convention: a statement-level trigger refuses
    // UPDATE, DELETE and TRUNCATE whatever client issues them, even when zero rows would match.
    // (Only the table owner or a superuser can disable triggers; that is an explicit, visible act.)
    await queryRunner.query(`
      CREATE FUNCTION audit_logs_reject_mutation() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_logs is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'Audit rows are immutable; record a new row instead.';
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER trg_audit_logs_append_only
        BEFORE UPDATE OR DELETE ON audit_logs
        FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_reject_mutation()
    `);
    await queryRunner.query(`
      CREATE TRIGGER trg_audit_logs_no_truncate
        BEFORE TRUNCATE ON audit_logs
        FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_reject_mutation()
    `);
    await queryRunner.query(`COMMENT ON TABLE audit_logs IS 'Append-only audit trail; UPDATE/DELETE/TRUNCATE raise'`);
  }

  private async createIdempotencyCache(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE idempotency_cache (
        key            varchar(128)  NOT NULL,
        operation      varchar(64)   NOT NULL,
        request_hash   varchar(128)  NOT NULL,
        state          varchar(16)   NOT NULL,
        status_code    integer,
        result         jsonb,
        created_at     timestamptz   NOT NULL DEFAULT now(),
        expires_at     timestamptz   NOT NULL,
        CONSTRAINT pk_idempotency_cache PRIMARY KEY (key),
        CONSTRAINT ck_idempotency_cache_state CHECK (state IN ('in-progress', 'done')),
        CONSTRAINT ck_idempotency_cache_expiry CHECK (expires_at > created_at)
      )
    `);
    // The cleanup job deletes WHERE expires_at < now().
    await queryRunner.query(`CREATE INDEX idx_idempotency_cache_expires_at ON idempotency_cache (expires_at)`);
  }

  private async createMarketDataSnapshots(queryRunner: QueryRunner): Promise<void> {
    const columns = `
        symbol       varchar(32)  NOT NULL,
        ts           timestamptz  NOT NULL,
        best_bid     numeric,
        best_ask     numeric,
        mid_price    numeric,
        spread       numeric,
        imbalance    numeric,
        bid_volume   numeric,
        ask_volume   numeric,
        bids         jsonb,
        asks         jsonb,
        metrics      jsonb,
        -- Both TimescaleDB and native partitioning require the partition column in every unique constraint.
        CONSTRAINT pk_market_data_snapshots PRIMARY KEY (symbol, ts)`;

    if (await this.enableTimescale(queryRunner)) {
      await queryRunner.query(`CREATE TABLE market_data_snapshots (${columns})`);
      // One-day chunks line up with the native partitions and with day-granular retention.
      // by_range() is the interface since TimescaleDB 2.13; older 2.x only has the (now deprecated) form
      // with a column name, so pick whichever this server has.
      const [{ generalized }] = (await queryRunner.query(
        `SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'by_range') AS generalized`,
      )) as Array<{ generalized: boolean }>;
      if (generalized) {
        await queryRunner.query(
          `SELECT create_hypertable('market_data_snapshots', by_range('ts', INTERVAL '1 day'), if_not_exists => TRUE)`,
        );
      } else {
        await queryRunner.query(
          `SELECT create_hypertable('market_data_snapshots', 'ts', chunk_time_interval => INTERVAL '1 day', if_not_exists => TRUE)`,
        );
      }
      return;
    }

    await queryRunner.query(`CREATE TABLE market_data_snapshots (${columns}) PARTITION BY RANGE (ts)`);
    // Daily UTC partitions for yesterday..today+3, so writes work from the first second; the retention service
    // keeps creating days ahead and dropping expired ones. There is no DEFAULT partition on purpose: rows in it
    // would block creating the matching day later and would never be dropped by retention.
    // Self-contained SQL (no import of application code) because a merged migration must never change.
    await queryRunner.query(`
      DO $$
      DECLARE
        day date;
      BEGIN
        FOR day IN
          SELECT generate_series((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 3, INTERVAL '1 day')::date
        LOOP
          EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF market_data_snapshots FOR VALUES FROM (%L) TO (%L)',
            'market_data_snapshots_p' || to_char(day, 'YYYYMMDD'),
            to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00',
            to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00'
          );
        END LOOP;
      END
      $$
    `);
  }

  /**
   * True when TimescaleDB is (now) installed in this database. When the server offers the extension, installing it
   * is attempted under a savepoint: "available" does not mean "usable" (the library must be in
   * shared_preload_libraries, and the role needs the right to create it), and in those cases the schema falls back
   * to native partitioning instead of failing the whole migration.
   */
  private async enableTimescale(queryRunner: QueryRunner): Promise<boolean> {
    const [row] = (await queryRunner.query(`
      SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
             EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available
    `)) as Array<{ installed: boolean; available: boolean }>;
    if (row.installed) return true;
    if (!row.available) return false;
    // Outside a transaction (migrationsTransactionMode 'none') a failed statement poisons nothing: no savepoint.
    const guarded = queryRunner.isTransactionActive;
    if (guarded) await queryRunner.query(`SAVEPOINT enable_timescaledb`);
    try {
      await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS timescaledb`);
      if (guarded) await queryRunner.query(`RELEASE SAVEPOINT enable_timescaledb`);
      return true;
    } catch {
      if (guarded) await queryRunner.query(`ROLLBACK TO SAVEPOINT enable_timescaledb`);
      return false;
    }
  }
}
