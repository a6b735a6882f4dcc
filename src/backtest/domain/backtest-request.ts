import { posix } from 'node:path';

/**
 * What a `POST /backtests` names, checked before anything touches the disk: the data file as a path relative to
 * BACKTEST_DATA_DIR (no absolute path, no `..`, no hidden or control characters, a recording's extension), and
 * the setting overrides (only settings that change how the bot trades; never secrets, paths or ports).
 * Each problem names the field it is about (`dataFile`, `settings.KEY`), as a 400 does.
 */

export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

/** The names the backtest reader takes (see recording-reader.ts). */
export const RECORDING_FILE_NAME = /\.(jsonl|ndjson|json|txt)(\.gz)?$/i;

const MAX_PATH_LENGTH = 512;

/**
 * The normalised relative path (forward slashes), or the problem with it. Backslashes are refused rather than
 * read as separators, so a Windows-style `..\\..\\x` cannot slip past the `..` check.
 */
export function checkDataFilePath(text: string): { readonly path: string } | FieldProblem {
  const bad = (problem: string): FieldProblem => ({ field: 'dataFile', problem });
  if (text.length === 0) return bad('must name a recording file under BACKTEST_DATA_DIR');
  if (text.length > MAX_PATH_LENGTH) return bad(`must be at most ${MAX_PATH_LENGTH} characters`);
  if (/[\p{Cc}\\]/u.test(text)) return bad('must not contain control characters or backslashes');
  if (text.startsWith('/') || /^[A-Za-z]:/.test(text)) {
    return bad('must be a path relative to BACKTEST_DATA_DIR, not an absolute path');
  }
  const segments = text.split('/');
  if (segments.some((s) => s === '..')) return bad('must not leave BACKTEST_DATA_DIR (no .. segments)');
  if (segments.some((s) => s.startsWith('.') && s !== '.')) return bad('must not name hidden files or folders');
  const path = posix.normalize(text);
  if (path === '.' || path.endsWith('/')) return bad('must name a file, not a folder');
  if (!RECORDING_FILE_NAME.test(path))
    return bad('must be a recording: .jsonl, .ndjson, .json or .txt, optionally .gz');
  return { path };
}

/**
 * Live settings a backtest started over the API may override: the strategy, risk and execution knobs and the
 * simulated venue's fees and account (the settings a backtest report lists). With the backtest's own realism
 * settings (BACKTEST_LATENCY_TO_VENUE_MS, …) they are all it takes; everything else (secrets, directories, ports,
 * the exchange connection) is refused, so a request cannot point the worker at another directory.
 */
export const OVERRIDABLE_SETTINGS: readonly string[] = [
  'ORDERBOOK_DEPTH',
  'ORDERBOOK_STALE_MS',
  'IMBALANCE_BUY_THRESHOLD',
  'IMBALANCE_SELL_THRESHOLD',
  'MIN_CLUSTER_VOLUME',
  'SIGNAL_COOLDOWN_MS',
  'MAX_OPEN_POSITIONS',
  'MAX_EXPOSURE_USDT',
  'MIN_ORDER_SIZE_USDT',
  'ORDER_SIZE_USDT',
  'TAKE_PROFIT_PCT',
  'STOP_LOSS_PCT',
  'MAX_HOLD_SECONDS',
  'MAX_DAILY_LOSS_USDT',
  'SIM_MAKER_FEE_RATE',
  'SIM_TAKER_FEE_RATE',
  'SIM_INITIAL_BALANCE_USDT',
  'SIM_LEVERAGE',
  'RATE_LIMIT_SAFETY_FACTOR',
  'RATE_LIMIT_MAX_WAIT_MS',
  'BYBIT_HTTP_TIMEOUT_MS',
  'CIRCUIT_BREAKER_FAILURE_THRESHOLD',
  'CIRCUIT_BREAKER_COOLDOWN_SECONDS',
];

/** The settings a run may override: the live ones above that `declared` has, then the backtest's own. */
export function overridableSettings(declared: readonly string[], backtestKeys: readonly string[]): string[] {
  return [...declared.filter((name) => OVERRIDABLE_SETTINGS.includes(name)), ...backtestKeys];
}

/** Problems with the override keys and the kinds of their values (the values' ranges are the config's to check). */
export function checkOverrideKeys(
  overrides: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    const field = `settings.${key}`;
    if (!allowed.includes(key)) {
      problems.push({ field, problem: 'is not a setting a backtest can change (see GET /backtests/settings)' });
    } else if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      problems.push({ field, problem: 'must be a string, number or boolean' });
    } else if (String(value).length > 256) {
      problems.push({ field, problem: 'must be at most 256 characters' });
    }
  }
  return problems;
}
