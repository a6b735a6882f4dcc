import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsNumber, Max, Min, validateSync } from 'class-validator';
import { DomainError } from '../common/domain-error';
import { ConfigValidationError, declaredVariables, loadAppConfig, type AppConfig } from '../infra/config/app-config';
import { SECRET_VARIABLES } from '../infra/config/env.schema';
import type { VenueRealism } from './backtest-venue';
import type { FeedFaultOptions } from './domain/feed-faults';
import { OVERRIDABLE_SETTINGS } from './domain/backtest-request';

/**
 * A backtest's settings: the live configuration (the same EnvSchema and validation as the running bot, so a
 * setting means the same in a backtest as live) plus the backtest's own realism knobs (BACKTEST_*), each validated
 * here. A run starts from the defaults, not from the process environment or .env, so the settings written into
 * its report are all it takes to reproduce it; `--set KEY=VALUE` overrides either kind. A key that is neither is a
 * BacktestSettingsError naming it.
 */

export type BacktestSettingsErrorCode = 'UNKNOWN_SETTING' | 'BAD_SETTING' | 'NO_DATA';

export class BacktestSettingsError extends DomainError<BacktestSettingsErrorCode> {
  constructor(code: BacktestSettingsErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, 'INVALID', message, details);
  }
}

const toNumber = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const n = Number(value.trim());
  return value.trim() === '' || !Number.isFinite(n) ? value : n;
};
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return value;
};

/**
 * The realism defaults (README "Backtest realism"). Latencies: the bot's own signed create costs 5.8 ms p50 on
 * loopback (`npm run bench order-latency`), plus the network to Bybit; 10 ms each way is the assumed default.
 * Compute: the live pipeline measured ~45 µs per ob500 message on one core (book 1.6 µs, metrics 13–18 µs, features
 * 2.7 µs, the rest JSON); charged per book message so a burst queues behind the strategy as it would live.
 */
export class BacktestSchema {
  /** Signal → order at the venue, ms (the kernel's write-ahead is in-memory and costs nothing here). */
  @Transform(toNumber)
  @IsNumber({}, { message: 'BACKTEST_LATENCY_TO_VENUE_MS must be a number of milliseconds' })
  @Min(0)
  @Max(60000)
  BACKTEST_LATENCY_TO_VENUE_MS = 10;

  /** Venue → ack, fill and order pushes at the bot, ms. */
  @Transform(toNumber)
  @IsNumber({}, { message: 'BACKTEST_LATENCY_FROM_VENUE_MS must be a number of milliseconds' })
  @Min(0)
  @Max(60000)
  BACKTEST_LATENCY_FROM_VENUE_MS = 10;

  /** Strategy compute time charged to the virtual clock per book message, microseconds. */
  @Transform(toNumber)
  @IsNumber({}, { message: 'BACKTEST_COMPUTE_US must be a number of microseconds' })
  @Min(0)
  @Max(1_000_000)
  BACKTEST_COMPUTE_US = 40;

  /** Our fills deplete the levels they take until the recording updates them. */
  @Transform(toBool)
  @IsBoolean()
  BACKTEST_BOOK_IMPACT = true;

  /** Resting limit orders wait behind the visible queue at their price (off: a trade touching the price fills them). */
  @Transform(toBool)
  @IsBoolean()
  BACKTEST_QUEUE = true;

  /** Maker/taker fees (SIM_MAKER_FEE_RATE / SIM_TAKER_FEE_RATE); off: zero fees. */
  @Transform(toBool)
  @IsBoolean()
  BACKTEST_FEES = true;

  /** Bybit's order rate limit through the live limiter (RATE_LIMIT_SAFETY_FACTOR, RATE_LIMIT_MAX_WAIT_MS). */
  @Transform(toBool)
  @IsBoolean()
  BACKTEST_RATE_LIMIT = true;

  /** Fault profile: share of order creates the exchange rejects (0–1). */
  @Transform(toNumber)
  @IsNumber({}, { message: 'BACKTEST_FAULT_REJECT_RATE must be a number between 0 and 1' })
  @Min(0)
  @Max(1)
  BACKTEST_FAULT_REJECT_RATE = 0;

  /** Fault profile: share of order creates that time out (half of them reached the exchange anyway). */
  @Transform(toNumber)
  @IsNumber({}, { message: 'BACKTEST_FAULT_TIMEOUT_RATE must be a number between 0 and 1' })
  @Min(0)
  @Max(1)
  BACKTEST_FAULT_TIMEOUT_RATE = 0;

  /**
   * Fault profile: share of book messages at which the bot's market feed breaks (0–1). The venue still sees the
   * market; the bot's book notices the jump in `u`, resyncs through the live resync policy and gets a snapshot of
   * the venue's book a round trip later.
   */
  @Transform(toNumber)
  @IsNumber({}, { message: 'BACKTEST_FAULT_FEED_GAP_RATE must be a number between 0 and 1' })
  @Min(0)
  @Max(1)
  BACKTEST_FAULT_FEED_GAP_RATE = 0;

  /** Fault profile: how long a broken feed loses every message of the symbol, ms (0: just the one book message). */
  @Transform(toNumber)
  @IsInt({ message: 'BACKTEST_FAULT_FEED_GAP_MS must be an integer number of milliseconds' })
  @Min(0)
  @Max(600_000)
  BACKTEST_FAULT_FEED_GAP_MS = 0;

  /** Replay through the pre-parsed binary cache (DATA_DIR/backtests/cache), built on first use. */
  @Transform(toBool)
  @IsBoolean()
  BACKTEST_CACHE = true;

  /** Equity sampling period of the report (equity curve, Sharpe/Sortino), ms. */
  @Transform(toNumber)
  @IsInt({ message: 'BACKTEST_EQUITY_SAMPLE_MS must be an integer number of milliseconds' })
  @Min(100)
  @Max(86_400_000)
  BACKTEST_EQUITY_SAMPLE_MS = 1000;
}

export const BACKTEST_KEYS: readonly string[] = Object.keys(new BacktestSchema());

/**
 * The live settings a backtest depends on, in the report's settings (the rest of the live config is irrelevant):
 * the symbols and every setting a run may override.
 */
const LIVE_KEYS_REPORTED: readonly string[] = ['TRADING_PAIRS', ...OVERRIDABLE_SETTINGS];

export interface ResolvedSettings {
  readonly config: AppConfig;
  readonly backtest: BacktestSchema;
  /** Every setting the run depends on, as text, keys sorted (report.json and the API show it). */
  readonly effective: Record<string, string>;
}

/** Splits and validates overrides; `pairs` is the TRADING_PAIRS default (the recording's symbols). */
export function resolveSettings(
  overrides: Readonly<Record<string, string>>,
  pairs: readonly string[] | undefined,
): ResolvedSettings {
  const live = new Set(declaredVariables());
  const liveOverrides: Record<string, string> = {};
  const backtestOverrides: Record<string, string> = {};
  for (const [key, value] of Object.entries(overrides)) {
    if (BACKTEST_KEYS.includes(key)) backtestOverrides[key] = value;
    else if ((SECRET_VARIABLES as readonly string[]).includes(key)) {
      throw new BacktestSettingsError('UNKNOWN_SETTING', `${key} is a secret and means nothing to a backtest`, { key });
    } else if (live.has(key)) liveOverrides[key] = value;
    else {
      throw new BacktestSettingsError(
        'UNKNOWN_SETTING',
        `unknown setting ${key}: not a configuration variable (see .env.example) nor a BACKTEST_* setting`,
        { key },
      );
    }
  }
  const env: Record<string, string> = {
    // No secret is read or generated: a backtest never authenticates. These only satisfy the schema.
    SECRET_KEY: 'backtest-has-no-secret-backtest-has-no-secret',
    APP_PASSWORD: 'backtest-has-no-password',
    BYBIT_ENV: 'sim',
    ...(pairs && pairs.length > 0 ? { TRADING_PAIRS: pairs.join(',') } : {}),
    ...liveOverrides,
  };
  let config: AppConfig;
  try {
    config = loadAppConfig(env, { dotenvPath: false });
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    const key = Object.keys(liveOverrides).find((k) => error.problems.some((p) => p.startsWith(k))) ?? null;
    throw new BacktestSettingsError('BAD_SETTING', error.problems.join('; '), { key, problems: error.problems });
  }
  const backtest = plainToInstance(BacktestSchema, backtestOverrides, { exposeDefaultValues: true });
  const problems = validateSync(backtest).flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m} (got ${JSON.stringify(e.value)})`),
  );
  if (problems.length > 0) {
    throw new BacktestSettingsError('BAD_SETTING', problems.join('; '), {
      key: problems[0].split(':')[0],
      problems,
    });
  }
  const effective: Record<string, string> = {};
  for (const key of LIVE_KEYS_REPORTED) effective[key] = String(config.masked[key]);
  for (const key of BACKTEST_KEYS) effective[key] = String((backtest as unknown as Record<string, unknown>)[key]);
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(effective).sort()) sorted[key] = effective[key];
  return { config, backtest, effective: sorted };
}

export function feedFaultsOf(settings: BacktestSchema): FeedFaultOptions {
  return { gapRate: settings.BACKTEST_FAULT_FEED_GAP_RATE, gapMs: settings.BACKTEST_FAULT_FEED_GAP_MS };
}

export function realismOf(settings: BacktestSchema): VenueRealism {
  return {
    toVenueMs: settings.BACKTEST_LATENCY_TO_VENUE_MS,
    fromVenueMs: settings.BACKTEST_LATENCY_FROM_VENUE_MS,
    impact: settings.BACKTEST_BOOK_IMPACT,
    queue: settings.BACKTEST_QUEUE,
    fees: settings.BACKTEST_FEES,
    rateLimit: settings.BACKTEST_RATE_LIMIT,
    rejectRate: settings.BACKTEST_FAULT_REJECT_RATE,
    timeoutRate: settings.BACKTEST_FAULT_TIMEOUT_RATE,
  };
}
