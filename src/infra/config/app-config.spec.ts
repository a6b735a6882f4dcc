import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError, declaredVariables, loadAppConfig, MASK } from './app-config';

describe(loadAppConfig.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-spec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (env: Record<string, string>) => loadAppConfig({ DATA_DIR: dir, ...env }, { dotenvPath: false });
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      load(env);
    } catch (error) {
      if (error instanceof ConfigValidationError) return [...error.problems];
      throw error;
    }
    throw new Error('expected a ConfigValidationError');
  };

  it('should apply every SPEC default when the environment is empty in sim mode', () => {
    const config = load({});
    expect(config.app.port).toBe(8000);
    expect(config.exchange.env).toBe('sim');
    expect(config.trading.pairs).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    expect(config.trading.orderbookDepth).toBe(50);
    expect(config.trading.imbalanceBuyThreshold).toBe(0.75);
    expect(config.trading.imbalanceSellThreshold).toBe(0.25);
    expect(config.trading.minClusterVolume).toBe(10000);
    expect(config.risk.maxOpenPositions).toBe(5);
    expect(config.risk.maxExposureUsdt).toBe(10000);
    expect(config.risk.minOrderSizeUsdt).toBe(5);
    expect(config.idempotency.ttlMinutes).toBe(60);
    expect(config.resilience.breakerFailureThreshold).toBe(5);
    expect(config.database.url).toBeUndefined();
    expect(Object.isFrozen(config.risk)).toBe(true);
  });

  it('should generate and persist SECRET_KEY and the initial password in sim mode when they are unset', () => {
    const first = load({});
    const second = load({});
    expect(first.auth.secretKey).toMatch(/^[0-9a-f]{64}$/);
    expect(second.auth.secretKey).toBe(first.auth.secretKey);
    expect(first.auth.initialPasswordGenerated).toBe(true);
    expect(readFileSync(join(dir, 'initial_password'), 'utf8').trim()).toBe(first.auth.initialPassword);
    expect(statSync(join(dir, 'secret_key')).mode & 0o777).toBe(0o600);
  });

  it('should name every bad variable in one error', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      BYBIT_ENV: 'prod',
      APP_PASSWORD: 'long-enough-password',
      SECRET_KEY: 'k'.repeat(64),
      BYBIT_API_KEY: 'key',
      BYBIT_API_SECRET: 'secret',
      IMBALANCE_BUY_THRESHOLD: '1.5',
      TRADING_PAIRS: 'BTC-USD',
      ORDERBOOK_DEPTH: '25',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      JWT_EXPIRES_IN: 'forever',
    });
    for (const name of [
      'PORT',
      'BYBIT_ENV',
      'IMBALANCE_BUY_THRESHOLD',
      'TRADING_PAIRS',
      'ORDERBOOK_DEPTH',
      'LOG_LEVEL',
      'DATABASE_URL',
      'JWT_EXPIRES_IN',
    ]) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
    expect(problems).toHaveLength(8);
    expect(problems.find((p) => p.startsWith('PORT'))).toBe('PORT: must be an integer number (got "eighty")');
  });

  it('should require secrets and exchange keys outside sim mode', () => {
    const problems = problemsOf({ BYBIT_ENV: 'mainnet' });
    expect(problems.map((p) => p.split(/[ :]/)[0]).sort()).toEqual([
      'APP_PASSWORD',
      'BYBIT_API_KEY',
      'BYBIT_API_SECRET',
      'SECRET_KEY',
    ]);
  });

  it('should refuse a short SECRET_KEY without echoing its value', () => {
    const problems = problemsOf({ SECRET_KEY: 'tooshort-secret' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SECRET_KEY/);
    expect(problems[0]).not.toContain('tooshort-secret');
  });

  it('should refuse a sell threshold that is not below the buy threshold', () => {
    expect(problemsOf({ IMBALANCE_BUY_THRESHOLD: '0.6', IMBALANCE_SELL_THRESHOLD: '0.6' })).toEqual([
      'IMBALANCE_SELL_THRESHOLD must be lower than IMBALANCE_BUY_THRESHOLD',
    ]);
  });

  it('should parse numbers, lists and durations', () => {
    const config = load({
      PORT: '9001',
      TRADING_PAIRS: ' btcusdt, ethusdt ',
      JWT_EXPIRES_IN: '2h',
      DATABASE_POOL_SIZE: '20',
      LOG_STDOUT: 'no',
    });
    expect(config.app.port).toBe(9001);
    expect(config.trading.pairs).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(config.auth.jwtExpiresInSeconds).toBe(7200);
    expect(config.database.poolSize).toBe(20);
    expect(config.logging.stdout).toBe(false);
  });

  it('should mask secrets and list only declared variables in the masked view', () => {
    const config = loadAppConfig(
      {
        DATA_DIR: dir,
        PATH: '/usr/bin',
        SECRET_KEY: 's'.repeat(40),
        APP_PASSWORD: 'hunter2hunter2',
        DATABASE_URL: 'postgres://u:p@h/db',
      },
      { dotenvPath: false },
    );
    expect(config.masked.SECRET_KEY).toBe(MASK);
    expect(config.masked.APP_PASSWORD).toBe(MASK);
    expect(config.masked.DATABASE_URL).toBe(MASK);
    expect(config.masked.BYBIT_API_SECRET).toBeNull();
    expect(config.masked.PORT).toBe(8000);
    expect(config.masked).not.toHaveProperty('PATH');
    expect(Object.keys(config.masked).sort()).toEqual(declaredVariables().sort());
    expect(JSON.stringify(config.masked)).not.toContain('hunter2');
  });

  it('should keep backtest recordings under DATA_DIR/recordings and runs under DATA_DIR/backtests by default', () => {
    expect(load({}).backtest).toEqual({
      dataDir: join(dir, 'recordings'),
      runsDir: join(dir, 'backtests'),
      maxConcurrent: 1,
    });
    const config = load({ BACKTEST_DATA_DIR: '/srv/recordings', BACKTEST_MAX_CONCURRENT: '3' });
    expect(config.backtest.dataDir).toBe('/srv/recordings');
    expect(config.backtest.maxConcurrent).toBe(3);
    expect(problemsOf({ BACKTEST_MAX_CONCURRENT: '0' })[0]).toMatch(/^BACKTEST_MAX_CONCURRENT: /);
  });

  it('should read .env without overriding variables already set', () => {
    const file = join(dir, '.env');
    writeFileSync(file, '# comment\nPORT=9100\nLOG_LEVEL="debug"\nexport MAX_OPEN_POSITIONS=3\n');
    const config = loadAppConfig({ DATA_DIR: dir, LOG_LEVEL: 'warn' }, { dotenvPath: file });
    expect(config.app.port).toBe(9100);
    expect(config.logging.level).toBe('warn');
    expect(config.risk.maxOpenPositions).toBe(3);
  });
});

describe('.env.example', () => {
  it('should document every variable the schema declares, and nothing else', () => {
    const text = readFileSync(join(__dirname, '../../../.env.example'), 'utf8');
    const documented = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...new Set(documented)].sort()).toEqual(declaredVariables().sort());
  });

  it('should load as a valid configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-example-'));
    try {
      const config = loadAppConfig({ DATA_DIR: dir }, { dotenvPath: join(__dirname, '../../../.env.example') });
      expect(config.exchange.env).toBe('sim');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
