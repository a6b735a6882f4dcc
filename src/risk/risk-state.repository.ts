import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { numberToDecimal } from '../common/money';
import { KillSwitchState, SYSTEM_ACTOR, utcDay } from './domain/kill-switch';
import { RiskStateEntity } from './entities/risk-state.entity';

/** The kill switch as stored, with what the write that returned it changed. */
export interface StoredKillSwitch {
  readonly state: KillSwitchState;
  /** Whether the switch was on just before the write (equal to state.active for a plain read). */
  readonly previousActive: boolean;
  readonly version: number;
}

/** Persistence of the kill switch, shared by every instance on the database; a DI token so specs can swap it. */
export abstract class RiskStateRepository {
  /** The scope's row, created (inactive, today) when missing; safe when several instances start at once. */
  abstract load(scope: string, atMs: number): Promise<StoredKillSwitch>;
  /** The scope's row as it is now; the row must exist (load() it first). */
  abstract read(scope: string): Promise<StoredKillSwitch>;
  /**
   * Adds `pnlUsdt` to the day's realised PnL in one UPDATE (realised_pnl = realised_pnl + $pnl), starting a new
   * day when `atMs` is on a later UTC day, and trips the switch in the same statement when the loss counted since
   * the baseline reaches `maxDailyLossUsdt` (> 0). Several instances' losses add up.
   */
  abstract addRealisedPnl(
    scope: string,
    pnlUsdt: number,
    atMs: number,
    maxDailyLossUsdt: number,
  ): Promise<StoredKillSwitch>;
  abstract activate(scope: string, reason: string, actor: string, atMs: number): Promise<StoredKillSwitch>;
  /** Turns the switch off and moves the baseline to the day's realised PnL, so past losses no longer count. */
  abstract reset(scope: string, reason: string, actor: string, atMs: number): Promise<StoredKillSwitch>;
}

interface RiskStateRow {
  readonly trading_day: string;
  readonly realised_pnl: string;
  readonly baseline: string;
  readonly active: boolean;
  readonly reason: string | null;
  readonly changed_at: Date | null;
  readonly changed_by: string | null;
  readonly version: number;
}

// Text casts: a date as 'YYYY-MM-DD' whatever the session time zone, numerics without float conversion by pg.
const COLUMNS = `trading_day::text AS trading_day, realised_pnl::text AS realised_pnl, baseline::text AS baseline,
  active, reason, changed_at, changed_by, version`;

// Every write takes the day in $2. A later day restarts the sums; an earlier one (a late report) leaves them alone.
const LATER_DAY = `$2::date > trading_day`;
const NEXT_DAY = `trading_day = GREATEST(trading_day, $2::date)`;

// Realised PnL since the baseline after adding $3, computed from the row being updated (re-read under the lock).
const COUNTED = `(CASE WHEN ${LATER_DAY} THEN $3::numeric WHEN $2::date = trading_day THEN realised_pnl + $3::numeric - baseline ELSE realised_pnl - baseline END)`;
const TRIPS = `(NOT active AND $4::numeric > 0 AND ${COUNTED} <= -$4::numeric)`;

const ADD_PNL = `
  realised_pnl = CASE WHEN ${LATER_DAY} THEN $3::numeric WHEN $2::date = trading_day THEN realised_pnl + $3::numeric ELSE realised_pnl END,
  baseline = CASE WHEN ${LATER_DAY} THEN 0 ELSE baseline END,
  active = active OR ${TRIPS},
  reason = CASE WHEN ${TRIPS} THEN format('daily realised loss %s USDT reached MAX_DAILY_LOSS_USDT %s', trim_scale(-${COUNTED}), trim_scale($4::numeric)) ELSE reason END,
  changed_at = CASE WHEN ${TRIPS} THEN $5::timestamptz ELSE changed_at END,
  changed_by = CASE WHEN ${TRIPS} THEN '${SYSTEM_ACTOR}' ELSE changed_by END,
  ${NEXT_DAY}`;

const ACTIVATE = `
  realised_pnl = CASE WHEN ${LATER_DAY} THEN 0 ELSE realised_pnl END,
  baseline = CASE WHEN ${LATER_DAY} THEN 0 ELSE baseline END,
  active = true, reason = $3, changed_at = $4, changed_by = $5,
  ${NEXT_DAY}`;

const RESET = `
  realised_pnl = CASE WHEN ${LATER_DAY} THEN 0 ELSE realised_pnl END,
  baseline = CASE WHEN ${LATER_DAY} THEN 0 ELSE realised_pnl END,
  active = false, reason = $3, changed_at = $4, changed_by = $5,
  ${NEXT_DAY}`;

@Injectable()
export class RiskStateTypeormRepository extends RiskStateRepository {
  constructor(@InjectRepository(RiskStateEntity) private readonly rows: Repository<RiskStateEntity>) {
    super();
  }

  async load(scope: string, atMs: number): Promise<StoredKillSwitch> {
    await this.rows.query(
      `INSERT INTO risk_state (key, trading_day) VALUES ($1, $2::date) ON CONFLICT (key) DO NOTHING`,
      [scope, utcDay(atMs)],
    );
    return this.read(scope);
  }

  async read(scope: string): Promise<StoredKillSwitch> {
    const [row] = (await this.rows.query(`SELECT ${COLUMNS} FROM risk_state WHERE key = $1`, [
      scope,
    ])) as RiskStateRow[];
    if (!row) throw new Error(`risk_state has no row for ${scope}: load() it first`);
    return toStored(row, row.active);
  }

  addRealisedPnl(scope: string, pnlUsdt: number, atMs: number, maxDailyLossUsdt: number): Promise<StoredKillSwitch> {
    return this.update(scope, ADD_PNL, [
      utcDay(atMs),
      numberToDecimal(pnlUsdt),
      numberToDecimal(maxDailyLossUsdt),
      new Date(atMs),
    ]);
  }

  activate(scope: string, reason: string, actor: string, atMs: number): Promise<StoredKillSwitch> {
    return this.update(scope, ACTIVATE, [utcDay(atMs), reason, new Date(atMs), actor]);
  }

  reset(scope: string, reason: string, actor: string, atMs: number): Promise<StoredKillSwitch> {
    return this.update(scope, RESET, [utcDay(atMs), reason, new Date(atMs), actor]);
  }

  /**
   * One UPDATE of the scope's row (params from $2), under a row lock taken first so the value "before" is the one
   * the UPDATE changed. The SET expressions read the row itself, never a value read earlier: concurrent writers
   * serialise on the lock and each adds to what the previous one committed.
   */
  private update(scope: string, assignments: string, params: unknown[]): Promise<StoredKillSwitch> {
    return this.rows.manager.transaction(async (manager: EntityManager) => {
      const locked = (await manager.query(`SELECT active FROM risk_state WHERE key = $1 FOR UPDATE`, [
        scope,
      ])) as Array<{ active: boolean }>;
      if (locked.length === 0) throw new Error(`risk_state has no row for ${scope}: load() it first`);
      // Through a CTE so the driver hands back the RETURNING rows as a plain SELECT result.
      const [row] = (await manager.query(
        `WITH updated AS (UPDATE risk_state SET ${assignments}, version = version + 1 WHERE key = $1 RETURNING ${COLUMNS}) SELECT * FROM updated`,
        [scope, ...params],
      )) as RiskStateRow[];
      return toStored(row, locked[0].active);
    });
  }
}

function toStored(row: RiskStateRow, previousActive: boolean): StoredKillSwitch {
  return {
    state: {
      tradingDay: row.trading_day,
      realisedPnlUsdt: Number(row.realised_pnl),
      baselineUsdt: Number(row.baseline),
      active: row.active,
      reason: row.reason,
      changedAtMs: row.changed_at ? row.changed_at.getTime() : null,
      changedBy: row.changed_by,
    },
    previousActive,
    version: row.version,
  };
}
