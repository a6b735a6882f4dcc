import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { BybitEnv, EnvSchema, LogLevel, SECRET_VARIABLES } from './env.schema';

/** The validated, typed and frozen configuration; the only shape the rest of the service sees. */
export interface AppConfig {
  readonly app: { readonly port: number; readonly host: string; readonly nodeEnv: string; readonly dataDir: string };
  readonly auth: {
    readonly initialPassword: string;
    readonly initialPasswordGenerated: boolean;
    readonly secretKey: string;
    readonly jwtExpiresInSeconds: number;
    readonly passwordMinLength: number;
    readonly loginMaxFailures: number;
    readonly loginWindowSeconds: number;
    readonly corsOrigins: readonly string[];
  };
  readonly exchange: {
    readonly env: BybitEnv;
    readonly apiKey?: string;
    readonly apiSecret?: string;
    readonly restUrl?: string;
    readonly wsPublicUrl?: string;
    readonly wsPrivateUrl?: string;
    readonly recvWindowMs: number;
    readonly httpTimeoutMs: number;
    readonly rateLimitMaxWaitMs: number;
    readonly rateLimitSafetyFactor: number;
    readonly readRetries: number;
    readonly wsPingIntervalMs: number;
    readonly wsPongTimeoutMs: number;
    readonly wsReconnectBaseMs: number;
    readonly wsReconnectMaxMs: number;
    readonly instrumentsRefreshSeconds: number;
    readonly timeSyncIntervalSeconds: number;
  };
  readonly simulator: {
    readonly port: number;
    readonly inProcess: boolean;
    readonly seed: number;
    readonly reset: boolean;
    readonly apiKey: string;
    readonly apiSecret: string;
    readonly makerFeeRate: string;
    readonly takerFeeRate: string;
    readonly initialBalanceUsdt: string;
    readonly leverage: number;
    readonly replayFile?: string;
    readonly replaySpeed: number;
    readonly faults?: string;
    readonly dataDir: string;
  };
  readonly trading: {
    readonly pairs: readonly string[];
    readonly orderbookDepth: number;
    readonly orderbookStaleMs: number;
    readonly imbalanceBuyThreshold: number;
    readonly imbalanceSellThreshold: number;
    readonly minClusterVolume: number;
    readonly signalCooldownMs: number;
  };
  readonly risk: {
    readonly maxOpenPositions: number;
    readonly maxExposureUsdt: number;
    readonly minOrderSizeUsdt: number;
    readonly orderSizeUsdt: number;
    readonly takeProfitPct: number;
    readonly stopLossPct: number;
    readonly maxHoldSeconds: number;
    readonly maxDailyLossUsdt: number;
  };
  readonly execution: {
    readonly autostart: boolean;
    /** Test-only SIGKILL injection point (`<point>:<n>`), see execution/domain/crash-points.ts. */
    readonly crashAt?: { readonly point: string; readonly occurrence: number };
  };
  /** SPEC §12: each symbol is traded by one instance at a time (a PostgreSQL advisory lock per symbol). */
  readonly ownership: { readonly instanceName: string; readonly checkMs: number };
  readonly database: {
    readonly url?: string;
    readonly poolSize: number;
    readonly embeddedPort: number;
    readonly embeddedDir: string;
    readonly marketDataRetentionDays: number;
    readonly snapshotIntervalMs: number;
  };
  readonly idempotency: { readonly ttlMinutes: number };
  readonly resilience: { readonly breakerFailureThreshold: number; readonly breakerCooldownSeconds: number };
  readonly logging: { readonly level: LogLevel; readonly dir: string; readonly stdout: boolean };
  readonly metrics: { readonly enabled: boolean; readonly port: number; readonly host: string };
  readonly health: { readonly maxEventLoopLagMs: number };
  readonly gateway: {
    readonly orderbookPushMs: number;
    readonly metricsPushMs: number;
    readonly botStatusPushMs: number;
    readonly maxBufferedBytes: number;
    readonly maxMessagesPerSecond: number;
    readonly messageBurst: number;
    readonly maxConnectionsPerPrincipal: number;
    readonly maxConnectionsPerAddress: number;
  };
  readonly redis: { readonly url?: string; readonly keyPrefix: string };
  readonly http: {
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    readonly maxConnections: number;
  };
  readonly loginGlobal: { readonly maxFailures: number; readonly maxBackoffSeconds: number };
  /** Backtests started over the API: recordings under `dataDir`, stored runs under `runsDir` (DATA_DIR/backtests). */
  readonly backtest: { readonly dataDir: string; readonly runsDir: string; readonly maxConcurrent: number };
  readonly migrationUrl?: string;
  /** The effective environment, secrets masked: what GET /bot/config returns. */
  readonly masked: Readonly<Record<string, string | number | boolean | null>>;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

export interface LoadConfigOptions {
  /** Read `.env` in the working directory first (variables already set win). Off in tests. */
  readonly dotenvPath?: string | false;
}

export const MASK = '********';

/**
 * Builds the configuration from an environment map. Throws ConfigValidationError naming every bad variable.
 * In sim mode a missing SECRET_KEY or APP_PASSWORD is generated once and kept under DATA_DIR, so a fresh clone
 * starts with no .env; outside sim mode both are required.
 */
export function loadAppConfig(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): AppConfig {
  const source = { ...readDotenv(options.dotenvPath), ...definedOnly(env) };
  const schema = plainToInstance(EnvSchema, source, { exposeDefaultValues: true });
  const problems = validateSync(schema, { whitelist: false, forbidUnknownValues: false }).flatMap(describe);
  if (schema.IMBALANCE_SELL_THRESHOLD >= schema.IMBALANCE_BUY_THRESHOLD && problems.length === 0) {
    problems.push('IMBALANCE_SELL_THRESHOLD must be lower than IMBALANCE_BUY_THRESHOLD');
  }
  problems.push(...initialPasswordProblems(schema));
  if (problems.length > 0) throw new ConfigValidationError(problems);

  const dataDir = absolute(schema.DATA_DIR);
  const secretKey = schema.SECRET_KEY ?? persistedSecret(dataDir, 'secret_key', () => randomBytes(32).toString('hex'));
  const initialPasswordGenerated = schema.APP_PASSWORD === undefined;
  const initialPassword =
    schema.APP_PASSWORD ?? persistedSecret(dataDir, 'initial_password', () => randomBytes(12).toString('base64url'));

  const config: AppConfig = {
    app: { port: schema.PORT, host: schema.HOST ?? '0.0.0.0', nodeEnv: schema.NODE_ENV ?? 'production', dataDir },
    auth: {
      initialPassword,
      initialPasswordGenerated,
      secretKey,
      jwtExpiresInSeconds: durationSeconds(schema.JWT_EXPIRES_IN),
      passwordMinLength: schema.PASSWORD_MIN_LENGTH,
      loginMaxFailures: schema.LOGIN_MAX_FAILURES,
      loginWindowSeconds: schema.LOGIN_WINDOW_SECONDS,
      corsOrigins: (schema.CORS_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    },
    exchange: {
      env: schema.BYBIT_ENV,
      // In sim mode the bot talks to its own simulator, whose credentials it knows.
      apiKey: schema.BYBIT_API_KEY ?? (schema.BYBIT_ENV === 'sim' ? schema.SIM_API_KEY : undefined),
      apiSecret: schema.BYBIT_API_SECRET ?? (schema.BYBIT_ENV === 'sim' ? schema.SIM_API_SECRET : undefined),
      restUrl: schema.BYBIT_REST_URL,
      wsPublicUrl: schema.BYBIT_WS_PUBLIC_URL,
      wsPrivateUrl: schema.BYBIT_WS_PRIVATE_URL,
      recvWindowMs: schema.BYBIT_RECV_WINDOW_MS,
      httpTimeoutMs: schema.BYBIT_HTTP_TIMEOUT_MS,
      rateLimitMaxWaitMs: schema.RATE_LIMIT_MAX_WAIT_MS,
      rateLimitSafetyFactor: schema.RATE_LIMIT_SAFETY_FACTOR,
      readRetries: schema.EXCHANGE_READ_RETRIES,
      wsPingIntervalMs: schema.BYBIT_WS_PING_INTERVAL_MS,
      wsPongTimeoutMs: schema.BYBIT_WS_PONG_TIMEOUT_MS,
      wsReconnectBaseMs: schema.BYBIT_WS_RECONNECT_BASE_MS,
      wsReconnectMaxMs: schema.BYBIT_WS_RECONNECT_MAX_MS,
      instrumentsRefreshSeconds: schema.INSTRUMENTS_REFRESH_SECONDS,
      timeSyncIntervalSeconds: schema.TIME_SYNC_INTERVAL_SECONDS,
    },
    simulator: {
      port: schema.SIM_PORT,
      inProcess: schema.SIM_IN_PROCESS,
      seed: schema.SIM_SEED,
      reset: schema.SIM_RESET,
      apiKey: schema.SIM_API_KEY,
      apiSecret: schema.SIM_API_SECRET,
      makerFeeRate: schema.SIM_MAKER_FEE_RATE,
      takerFeeRate: schema.SIM_TAKER_FEE_RATE,
      initialBalanceUsdt: schema.SIM_INITIAL_BALANCE_USDT,
      leverage: schema.SIM_LEVERAGE,
      replayFile: schema.SIM_REPLAY_FILE ? absolute(schema.SIM_REPLAY_FILE) : undefined,
      replaySpeed: schema.SIM_REPLAY_SPEED,
      faults: schema.SIM_FAULTS,
      dataDir: join(dataDir, 'simulator'),
    },
    trading: {
      pairs: schema.TRADING_PAIRS.split(','),
      orderbookDepth: schema.ORDERBOOK_DEPTH,
      orderbookStaleMs: schema.ORDERBOOK_STALE_MS,
      imbalanceBuyThreshold: schema.IMBALANCE_BUY_THRESHOLD,
      imbalanceSellThreshold: schema.IMBALANCE_SELL_THRESHOLD,
      minClusterVolume: schema.MIN_CLUSTER_VOLUME,
      signalCooldownMs: schema.SIGNAL_COOLDOWN_MS,
    },
    risk: {
      maxOpenPositions: schema.MAX_OPEN_POSITIONS,
      maxExposureUsdt: schema.MAX_EXPOSURE_USDT,
      minOrderSizeUsdt: schema.MIN_ORDER_SIZE_USDT,
      orderSizeUsdt: schema.ORDER_SIZE_USDT,
      takeProfitPct: schema.TAKE_PROFIT_PCT,
      stopLossPct: schema.STOP_LOSS_PCT,
      maxHoldSeconds: schema.MAX_HOLD_SECONDS,
      maxDailyLossUsdt: schema.MAX_DAILY_LOSS_USDT,
    },
    execution: {
      autostart: schema.BOT_AUTOSTART,
      crashAt: schema.FAULT_CRASH_AT === undefined ? undefined : parseCrashAt(schema.FAULT_CRASH_AT),
    },
    ownership: {
      instanceName: schema.INSTANCE_NAME ?? `${hostname()}-${process.pid}`.slice(0, 48),
      checkMs: schema.SYMBOL_LEASE_CHECK_MS,
    },
    database: {
      url: schema.DATABASE_URL,
      poolSize: schema.DATABASE_POOL_SIZE,
      embeddedPort: schema.EMBEDDED_PG_PORT,
      embeddedDir: join(dataDir, 'postgres'),
      marketDataRetentionDays: schema.MARKET_DATA_RETENTION_DAYS,
      snapshotIntervalMs: schema.SNAPSHOT_INTERVAL_MS,
    },
    idempotency: { ttlMinutes: schema.IDEMPOTENCY_TTL_MINUTES },
    resilience: {
      breakerFailureThreshold: schema.CIRCUIT_BREAKER_FAILURE_THRESHOLD,
      breakerCooldownSeconds: schema.CIRCUIT_BREAKER_COOLDOWN_SECONDS,
    },
    logging: { level: schema.LOG_LEVEL, dir: absolute(schema.LOG_DIR), stdout: schema.LOG_STDOUT },
    metrics: { enabled: schema.METRICS_ENABLED, port: schema.METRICS_PORT, host: schema.METRICS_HOST },
    health: { maxEventLoopLagMs: schema.HEALTH_MAX_EVENT_LOOP_LAG_MS },
    gateway: {
      orderbookPushMs: schema.WS_ORDERBOOK_PUSH_MS,
      metricsPushMs: schema.WS_METRICS_PUSH_MS,
      botStatusPushMs: schema.WS_BOT_STATUS_PUSH_MS,
      maxBufferedBytes: schema.WS_MAX_BUFFERED_BYTES,
      maxMessagesPerSecond: schema.WS_MAX_MESSAGES_PER_SECOND,
      messageBurst: schema.WS_MESSAGE_BURST,
      maxConnectionsPerPrincipal: schema.WS_MAX_CONNECTIONS_PER_PRINCIPAL,
      maxConnectionsPerAddress: schema.WS_MAX_CONNECTIONS_PER_ADDRESS,
    },
    redis: { url: schema.REDIS_URL, keyPrefix: schema.REDIS_KEY_PREFIX },
    http: {
      requestTimeoutMs: schema.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: schema.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: schema.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: schema.HTTP_MAX_CONNECTIONS,
    },
    loginGlobal: {
      maxFailures: schema.LOGIN_GLOBAL_MAX_FAILURES,
      maxBackoffSeconds: schema.LOGIN_GLOBAL_MAX_BACKOFF_SECONDS,
    },
    backtest: {
      dataDir: schema.BACKTEST_DATA_DIR ? absolute(schema.BACKTEST_DATA_DIR) : join(dataDir, 'recordings'),
      runsDir: join(dataDir, 'backtests'),
      maxConcurrent: schema.BACKTEST_MAX_CONCURRENT,
    },
    migrationUrl: schema.DATABASE_MIGRATION_URL,
    masked: maskedView(schema),
  };
  return deepFreeze(config);
}

/** One line per bad variable: its name, every rule it breaks, and (unless secret) the value it had. */
function describe(error: ValidationError): string[] {
  const constraints = { ...(error.constraints ?? {}) };
  // A value of the wrong type breaks its range rules too; the type is the one thing worth saying.
  for (const typeRule of ['isInt', 'isNumber', 'isBoolean']) {
    if (constraints[typeRule] && typeof error.value === 'string')
      for (const k of Object.keys(constraints)) if (k !== typeRule) delete constraints[k];
  }
  const messages = Object.values(constraints).map((m) =>
    m.startsWith(`${error.property} `) ? m.slice(error.property.length + 1) : m,
  );
  const own: string[] = [];
  if (messages.length > 0) {
    const got =
      error.value === undefined
        ? 'unset'
        : isSecret(error.property)
          ? 'a value that is not shown'
          : JSON.stringify(error.value);
    own.push(`${error.property}: ${messages.join('; ')} (got ${got})`);
  }
  return [...own, ...(error.children ?? []).flatMap(describe)];
}

function isSecret(name: string): boolean {
  return (SECRET_VARIABLES as readonly string[]).includes(name);
}

function maskedView(schema: EnvSchema): Record<string, string | number | boolean | null> {
  const view: Record<string, string | number | boolean | null> = {};
  for (const name of declaredVariables()) {
    const value = (schema as unknown as Record<string, unknown>)[name];
    if (value === undefined || value === null) view[name] = null;
    else if (isSecret(name)) view[name] = MASK;
    else view[name] = value as string | number | boolean;
  }
  return view;
}

/** The variable names EnvSchema declares, in declaration order (process.env carries many others). */
export function declaredVariables(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(EnvSchema, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

function durationSeconds(text: string): number {
  const match = /^(\d+)(s|m|h|d)?$/.exec(text);
  if (!match) throw new ConfigValidationError([`JWT_EXPIRES_IN: cannot parse ${text}`]);
  const factor = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * factor;
}

function persistedSecret(dataDir: string, name: string, generate: () => string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const value = generate();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

function readDotenv(path: string | false | undefined): Record<string, string> {
  if (path === false) return {};
  const file = path ?? resolve('.env');
  if (!existsSync(file)) return {};
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    values[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

function parseCrashAt(value: string): { point: string; occurrence: number } {
  const [point, occurrence] = value.split(':');
  return { point, occurrence: Number(occurrence) };
}

/**
 * APP_PASSWORD becomes the first password, so it obeys the rules of a changed one: at least PASSWORD_MIN_LENGTH
 * characters and at most 72 bytes in UTF-8 (bcrypt reads no further; longer ones are refused, not cut).
 */
function initialPasswordProblems(schema: EnvSchema): string[] {
  const password = schema.APP_PASSWORD;
  if (password === undefined || typeof password !== 'string') return [];
  const problems: string[] = [];
  if (password.length < schema.PASSWORD_MIN_LENGTH) {
    problems.push(`APP_PASSWORD must be at least PASSWORD_MIN_LENGTH (${schema.PASSWORD_MIN_LENGTH}) characters`);
  }
  if (Buffer.byteLength(password, 'utf8') > 72) problems.push('APP_PASSWORD must be at most 72 bytes in UTF-8');
  return problems;
}
