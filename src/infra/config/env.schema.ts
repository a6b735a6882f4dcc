import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

export const BYBIT_ENVS = ['sim', 'testnet', 'demo', 'mainnet'] as const;
export type BybitEnv = (typeof BYBIT_ENVS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Bybit linear order-book depths (BYBIT.md §6.1); 500 is retired live but kept for replays of archives. */
export const ORDERBOOK_DEPTHS = [1, 50, 200, 500, 1000] as const;

/** Variables whose values are never logged or returned; /bot/config masks them. */
export const SECRET_VARIABLES = [
  'APP_PASSWORD',
  'SECRET_KEY',
  'BYBIT_API_KEY',
  'BYBIT_API_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
  'SIM_API_SECRET',
  'DATABASE_MIGRATION_URL',
] as const;

const DURATION = /^\d+(s|m|h|d)?$/;
const SYMBOL_LIST = /^[A-Z0-9]{2,20}USDT(,[A-Z0-9]{2,20}USDT)*$/;

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : numberOrRaw(value, true);
const toNumber = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : numberOrRaw(value, false);
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return value; // left as a string so IsBoolean reports it
};
const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || undefined : value);
const upperList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.replace(/\s+/g, '').toUpperCase() || undefined : value;

/** A malformed number stays a string so that the validator names it instead of silently becoming NaN. */
function numberOrRaw(value: unknown, integer: boolean): unknown {
  const text = String(value).trim();
  const pattern = integer ? /^-?\d+$/ : /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
  return pattern.test(text) ? Number(text) : value;
}

/**
 * Every environment variable the service reads, with its default and its rule.
 * Only loadAppConfig() instantiates it; nothing else reads process.env.
 */
export class EnvSchema {
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 8000;

  @Transform(trimmed)
  @IsOptional()
  @IsString()
  HOST?: string = '0.0.0.0';

  @Transform(trimmed)
  @ValidateIf((env: EnvSchema) => env.BYBIT_ENV !== 'sim' || env.APP_PASSWORD !== undefined)
  @IsString()
  @MinLength(8, { message: 'APP_PASSWORD must be at least 8 characters (required outside sim mode)' })
  APP_PASSWORD?: string;

  @Transform(trimmed)
  @ValidateIf((env: EnvSchema) => env.BYBIT_ENV !== 'sim' || env.SECRET_KEY !== undefined)
  @IsString()
  @MinLength(32, {
    message: 'SECRET_KEY must be at least 32 characters, e.g. `openssl rand -hex 32` (required outside sim mode)',
  })
  SECRET_KEY?: string;

  @Transform(trimmed)
  @Matches(DURATION, { message: 'JWT_EXPIRES_IN must be seconds or a duration like 30m, 12h, 1d' })
  JWT_EXPIRES_IN = '24h';

  @Transform(trimmed)
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string = 'http://localhost:3000';

  @Transform(trimmed)
  @IsIn(BYBIT_ENVS as unknown as string[], { message: `BYBIT_ENV must be one of ${BYBIT_ENVS.join('|')}` })
  BYBIT_ENV: BybitEnv = 'sim';

  @Transform(trimmed)
  @ValidateIf((env: EnvSchema) => env.BYBIT_ENV !== 'sim')
  @IsNotEmpty({ message: 'BYBIT_API_KEY is required outside sim mode' })
  BYBIT_API_KEY?: string;

  @Transform(trimmed)
  @ValidateIf((env: EnvSchema) => env.BYBIT_ENV !== 'sim')
  @IsNotEmpty({ message: 'BYBIT_API_SECRET is required outside sim mode' })
  BYBIT_API_SECRET?: string;

  /** Overrides of the per-environment Bybit URLs (a proxy, a local simulator on another host, testnet mirrors). */
  @Transform(trimmed)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'BYBIT_REST_URL must be an http(s) URL' })
  BYBIT_REST_URL?: string;

  @Transform(trimmed)
  @IsOptional()
  @Matches(/^wss?:\/\/[^\s]+$/, { message: 'BYBIT_WS_PUBLIC_URL must be a ws(s) URL' })
  BYBIT_WS_PUBLIC_URL?: string;

  @Transform(trimmed)
  @IsOptional()
  @Matches(/^wss?:\/\/[^\s]+$/, { message: 'BYBIT_WS_PRIVATE_URL must be a ws(s) URL' })
  BYBIT_WS_PRIVATE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(60000)
  BYBIT_RECV_WINDOW_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120000)
  BYBIT_HTTP_TIMEOUT_MS = 10000;

  /** How long a call may wait for a rate-limit token before it fails with RATE_LIMIT_WAIT_EXCEEDED. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60000)
  RATE_LIMIT_MAX_WAIT_MS = 2000;

  /** Share of Bybit's published per-endpoint limit the client allows itself (fixed windows vs Bybit's rolling second). */
  @Transform(toNumber)
  @IsNumber()
  @Min(0.05)
  @Max(1)
  RATE_LIMIT_SAFETY_FACTOR = 0.5;

  /** Retries of idempotent reads (GET) on transient faults; order writes are never retried blindly. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  EXCHANGE_READ_RETRIES = 3;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(60000)
  BYBIT_WS_PING_INTERVAL_MS = 10000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  BYBIT_WS_PONG_TIMEOUT_MS = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60000)
  BYBIT_WS_RECONNECT_BASE_MS = 500;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  BYBIT_WS_RECONNECT_MAX_MS = 30000;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86400)
  INSTRUMENTS_REFRESH_SECONDS = 3600;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(86400)
  TIME_SYNC_INTERVAL_SECONDS = 300;

  /** Loopback port of the built-in Bybit V5 simulator (in-process with BYBIT_ENV=sim, or `npm run sim`). */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(65535)
  SIM_PORT = 8100;

  /**
   * With BYBIT_ENV=sim the bot starts the simulator in its own process; false when it runs as a separate
   * process (`npm run sim`), so the exchange outlives the bot (crash tests, several bots on one venue).
   */
  @Transform(toBool)
  @IsBoolean()
  SIM_IN_PROCESS = true;

  /** Seed of the simulated market; the same seed replays the same message stream. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(2147483647)
  SIM_SEED = 42;

  /** Start the simulated exchange's account (wallet, orders, positions) from scratch instead of DATA_DIR/simulator. */
  @Transform(toBool)
  @IsBoolean()
  SIM_RESET = false;

  /** The simulator's API credentials; in sim mode BYBIT_API_KEY/SECRET default to them. */
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  SIM_API_KEY = 'sim-api-key';

  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  SIM_API_SECRET = 'sim-api-secret';

  @Transform(trimmed)
  @Matches(/^0(\.\d{1,8})?$/, { message: 'SIM_MAKER_FEE_RATE must be a decimal rate below 1, e.g. 0.0002' })
  SIM_MAKER_FEE_RATE = '0.0002';

  @Transform(trimmed)
  @Matches(/^0(\.\d{1,8})?$/, { message: 'SIM_TAKER_FEE_RATE must be a decimal rate below 1, e.g. 0.00055' })
  SIM_TAKER_FEE_RATE = '0.00055';

  @Transform(trimmed)
  @Matches(/^\d{1,12}(\.\d{1,8})?$/, { message: 'SIM_INITIAL_BALANCE_USDT must be a positive decimal' })
  SIM_INITIAL_BALANCE_USDT = '10000';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SIM_LEVERAGE = 10;

  /** A JSON-lines recording of Bybit public WebSocket messages to replay instead of the market model. */
  @Transform(trimmed)
  @IsOptional()
  @IsString()
  SIM_REPLAY_FILE?: string;

  @Transform(toNumber)
  @IsNumber()
  @Min(0.01)
  @Max(10000)
  SIM_REPLAY_SPEED = 1;

  /** Faults injected from the start, JSON, e.g. {"httpErrorRate":0.2,"wsDropRate":0.01}; see README. */
  @Transform(trimmed)
  @IsOptional()
  @IsString()
  SIM_FAULTS?: string;

  @Transform(upperList)
  @Matches(SYMBOL_LIST, {
    message: 'TRADING_PAIRS must be a comma-separated list of USDT perpetual symbols, e.g. BTCUSDT,ETHUSDT',
  })
  TRADING_PAIRS = 'BTCUSDT,ETHUSDT,SOLUSDT';

  @Transform(toInt)
  @IsIn(ORDERBOOK_DEPTHS as unknown as number[], {
    message: `ORDERBOOK_DEPTH must be one of ${ORDERBOOK_DEPTHS.join(', ')}`,
  })
  ORDERBOOK_DEPTH = 50;

  /** A book with no update for this long is stale: shown as such and never used for a signal. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  ORDERBOOK_STALE_MS = 5000;

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  @Max(1)
  IMBALANCE_BUY_THRESHOLD = 0.75;

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  @Max(1)
  IMBALANCE_SELL_THRESHOLD = 0.25;

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  MIN_CLUSTER_VOLUME = 10000;

  /** A second signal of the same symbol and side within this many ms is suppressed (debounce). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86400000)
  SIGNAL_COOLDOWN_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  MAX_OPEN_POSITIONS = 5;

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  MAX_EXPOSURE_USDT = 10000;

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  MIN_ORDER_SIZE_USDT = 5;

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  ORDER_SIZE_USDT = 100;

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  @Max(100)
  TAKE_PROFIT_PCT = 0.3;

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  @Max(100)
  STOP_LOSS_PCT = 0.2;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  MAX_HOLD_SECONDS = 300;

  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  MAX_DAILY_LOSS_USDT = 500;

  /** Start trading at boot (after reconciliation) instead of waiting for POST /bot/start. */
  @Transform(toBool)
  @IsBoolean()
  BOT_AUTOSTART = false;

  /**
   * How this instance names itself to PostgreSQL (application_name of its symbol-ownership session), so another
   * instance can say who holds a symbol. Default: hostname and process id.
   */
  @Transform(trimmed)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,48}$/, {
    message: 'INSTANCE_NAME must be 1 to 48 printable ASCII characters without spaces',
  })
  INSTANCE_NAME?: string;

  /** How often a held symbol lease is verified, and a missing one tried again (milliseconds). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  SYMBOL_LEASE_CHECK_MS = 1000;

  /**
   * Test-only fault injection: `<point>:<n>` kills the process with SIGKILL the n-th time execution reaches the
   * named point (see execution/domain/crash-points.ts). Unset in production.
   */
  @Transform(trimmed)
  @IsOptional()
  @Matches(/^[a-z-]+:[1-9][0-9]*$/, { message: 'FAULT_CRASH_AT must look like <point>:<n>, e.g. pending-persisted:2' })
  FAULT_CRASH_AT?: string;

  @Transform(trimmed)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// connection URL' })
  DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  DATA_DIR = './data';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  MARKET_DATA_RETENTION_DAYS = 7;

  /** How often each symbol's book is snapshotted into market_data_snapshots (0 = never). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600000)
  SNAPSHOT_INTERVAL_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10080)
  IDEMPOTENCY_TTL_MINUTES = 60;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  CIRCUIT_BREAKER_FAILURE_THRESHOLD = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  CIRCUIT_BREAKER_COOLDOWN_SECONDS = 30;

  @Transform(trimmed)
  @IsIn(LOG_LEVELS as unknown as string[], { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join('|')}` })
  LOG_LEVEL: LogLevel = 'info';

  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  LOG_DIR = './logs';

  /** Off only where stdout is not wanted (the test suite); files under LOG_DIR are always written. */
  @Transform(toBool)
  @IsBoolean()
  LOG_STDOUT = true;

  /** Prometheus metrics (GET /metrics on METRICS_HOST:METRICS_PORT); false also removes the hot-path timings. */
  @Transform(toBool)
  @IsBoolean()
  METRICS_ENABLED = true;

  /** Its own listener, not the API port: scrapers need no token, and loopback keeps it private by default. 0 = any. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 9464;

  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  METRICS_HOST = '127.0.0.1';

  @Transform(toInt)
  @IsInt()
  @Min(8)
  @Max(128)
  PASSWORD_MIN_LENGTH = 12;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_WINDOW_SECONDS = 60;

  @Transform(trimmed)
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  /** Namespaces every key this deployment writes, so several bots can share one Redis. */
  @Transform(trimmed)
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'REDIS_KEY_PREFIX must be 1-64 characters of A-Z a-z 0-9 _ . : -' })
  REDIS_KEY_PREFIX = 'bybit-scalper';

  @Transform(toNumber)
  @IsNumber()
  @Min(1)
  @Max(10000)
  HEALTH_MAX_EVENT_LOOP_LAG_MS = 200;

  /** /ws push period per channel kind (the newest state is sent at most this often to each client). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60000)
  WS_ORDERBOOK_PUSH_MS = 100;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60000)
  WS_METRICS_PUSH_MS = 100;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  WS_BOT_STATUS_PUSH_MS = 5000;

  /** A /ws client buffering more than this is a slow consumer: it gets only the newest state once drained. */
  @Transform(toInt)
  @IsInt()
  @Min(16384)
  @Max(268435456)
  WS_MAX_BUFFERED_BYTES = 1048576;

  /** Inbound /ws messages (text, binary and ping frames) per connection per second, sustained; above → close 4429. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  WS_MAX_MESSAGES_PER_SECOND = 20;

  /** Burst on top of WS_MAX_MESSAGES_PER_SECOND (token-bucket capacity). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  WS_MESSAGE_BURST = 40;

  /** Open /ws connections per authenticated principal; one more → close 4429. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  WS_MAX_CONNECTIONS_PER_PRINCIPAL = 16;

  /** Open /ws connections per client address (counted before authentication); one more → close 4429. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  WS_MAX_CONNECTIONS_PER_ADDRESS = 16;

  @Transform(trimmed)
  @IsOptional()
  @IsString()
  @MaxLength(64)
  NODE_ENV?: string;
  /** Whole request (headers and body) must arrive within this; a client trickling a body is cut (408). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  HTTP_REQUEST_TIMEOUT_MS = 30000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  HTTP_HEADERS_TIMEOUT_MS = 10000;

  /** An idle keep-alive connection is closed after this. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 5000;

  /** Open TCP connections (HTTP and /ws) the server accepts at once; further ones are closed on accept. */
  @Transform(toInt)
  @IsInt()
  @Min(8)
  @Max(100000)
  HTTP_MAX_CONNECTIONS = 1024;

  /**
   * Failed password checks allowed per LOGIN_WINDOW_SECONDS across ALL addresses (a distributed guess). Over it,
   * password checks from addresses without a recent successful login are refused for a backoff that doubles per
   * window spent over budget, capped at LOGIN_GLOBAL_MAX_BACKOFF_SECONDS (never a permanent lock-out).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  LOGIN_GLOBAL_MAX_FAILURES = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_GLOBAL_MAX_BACKOFF_SECONDS = 300;

  /**
   * Owner role URL used only to run migrations (DDL, grants); the app itself then connects with DATABASE_URL,
   * which should be a role with data rights only (see migrations/*-least-privilege-app-role.ts).
   */
  @Transform(trimmed)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_MIGRATION_URL must be a postgres:// connection URL' })
  DATABASE_MIGRATION_URL?: string;

  /**
   * The directory `POST /backtests` takes recordings from (a `dataFile` is a path relative to it; nothing outside it
   * is read). Unset: DATA_DIR/recordings.
   */
  @Transform(trimmed)
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  BACKTEST_DATA_DIR?: string;

  /** Backtests `POST /backtests` runs at once (each in its own worker thread, one core each); more are refused (429). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  BACKTEST_MAX_CONCURRENT = 1;
}
