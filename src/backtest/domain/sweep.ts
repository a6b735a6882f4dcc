import { RecordingError } from './recording';

/**
 * The parameter sweep's pure parts: the grid of setting combinations (`--sweep KEY=a,b,c`), the split of the
 * replayed time span into an in-sample and an out-of-sample period, and the ranking of the combinations by their
 * out-of-sample result with the in-sample one beside it (an overfit set ranks high in-sample and low out of it).
 */

export interface SweepAxis {
  /** A setting name as `--set` takes it (an environment variable name, e.g. IMBALANCE_BUY_THRESHOLD). */
  readonly key: string;
  readonly values: readonly string[];
}

/** A grid larger than this is refused: it would run for days and its table would be unreadable. */
export const MAX_SWEEP_COMBINATIONS = 10_000;

const KEY = /^[A-Z][A-Z0-9_]*$/;

/** `KEY=a,b,c` → an axis; values are trimmed, empty ones and repeats refused. */
export function parseSweepAxis(text: string): SweepAxis {
  const eq = text.indexOf('=');
  const key = (eq < 0 ? text : text.slice(0, eq)).trim();
  if (eq < 0 || !KEY.test(key)) {
    throw new RecordingError(
      'BAD_FILTER',
      `--sweep ${text}: expected KEY=a,b,c with KEY a setting name such as IMBALANCE_BUY_THRESHOLD`,
    );
  }
  const values = text
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim());
  if (values.some((v) => v.length === 0))
    throw new RecordingError('BAD_FILTER', `--sweep ${key}: empty value in ${text}`);
  const repeated = values.find((v, i) => values.indexOf(v) !== i);
  if (repeated !== undefined) throw new RecordingError('BAD_FILTER', `--sweep ${key}: value ${repeated} given twice`);
  return { key, values };
}

/**
 * Every combination of the axes' values, the first axis varying slowest (the order the table lists them before
 * ranking). One axis per key: a key swept twice, or swept and also fixed with `--set`, is refused.
 */
export function sweepGrid(
  axes: readonly SweepAxis[],
  fixed: Readonly<Record<string, string>> = {},
): Array<Record<string, string>> {
  if (axes.length === 0) throw new RecordingError('BAD_FILTER', '--sweep needs at least one KEY=a,b,c');
  const seen = new Set<string>();
  for (const axis of axes) {
    if (seen.has(axis.key)) throw new RecordingError('BAD_FILTER', `--sweep ${axis.key} is given twice`);
    if (axis.key in fixed) throw new RecordingError('BAD_FILTER', `${axis.key} is both swept and fixed with --set`);
    seen.add(axis.key);
  }
  const size = axes.reduce((n, axis) => n * axis.values.length, 1);
  if (size > MAX_SWEEP_COMBINATIONS) {
    throw new RecordingError(
      'BAD_FILTER',
      `--sweep grid has ${size} combinations, more than ${MAX_SWEEP_COMBINATIONS}`,
    );
  }
  let grid: Array<Record<string, string>> = [{}];
  for (const axis of axes)
    grid = grid.flatMap((partial) => axis.values.map((value) => ({ ...partial, [axis.key]: value })));
  return grid;
}

export interface TimeSpan {
  readonly fromMs: number;
  /** Exclusive. */
  readonly toMs: number;
}

export interface SampleSplit {
  readonly inSample: TimeSpan;
  readonly outOfSample: TimeSpan;
}

/**
 * Splits [fromMs, toMs) at fromMs + share × length (rounded down to a millisecond): the first part is in-sample
 * (where a trader would tune), the rest out-of-sample (what the tuned set would have met next). Chronological,
 * never shuffled: the future must not leak into the tuning period.
 */
export function splitSpan(span: TimeSpan, inSampleShare: number): SampleSplit {
  if (!(inSampleShare > 0 && inSampleShare < 1)) {
    throw new RecordingError(
      'BAD_FILTER',
      `--in-sample must be a share strictly between 0 and 1, got ${inSampleShare}`,
    );
  }
  if (!Number.isSafeInteger(span.fromMs) || !Number.isSafeInteger(span.toMs) || span.toMs - span.fromMs < 2) {
    throw new RecordingError('BAD_FILTER', `the data span [${span.fromMs}, ${span.toMs}) is too short to split`);
  }
  const cut = span.fromMs + Math.floor((span.toMs - span.fromMs) * inSampleShare);
  const at = Math.min(span.toMs - 1, Math.max(span.fromMs + 1, cut));
  return { inSample: { fromMs: span.fromMs, toMs: at }, outOfSample: { fromMs: at, toMs: span.toMs } };
}

/** One backtest of a sweep: a combination (its index in the grid) on one period. */
export interface SweepBacktest {
  readonly index: number;
  readonly period: 'inSample' | 'outOfSample';
}

/**
 * The order a sweep's backtests start in, longest first, so that the workers finish together instead of one running
 * a long backtest alone at the end: every in-sample backtest (the larger share of the period) in grid order, then
 * the out-of-sample ones by their combination's in-sample wall time, longest first (the same settings trade about as
 * much in either period, and trading is what a backtest's time varies with). A combination whose in-sample run has
 * not finished yet counts as the mean of those that have. Ties go to the lower index.
 */
export class SweepSchedule {
  private nextInSample = 0;
  private readonly inSampleMs: Array<number | undefined>;
  private readonly outOfSampleLeft: boolean[];

  constructor(readonly combinations: number) {
    this.inSampleMs = new Array<number | undefined>(combinations).fill(undefined);
    this.outOfSampleLeft = new Array<boolean>(combinations).fill(true);
  }

  /** The next backtest to start, or null when every one has started. */
  next(): SweepBacktest | null {
    if (this.nextInSample < this.combinations) return { index: this.nextInSample++, period: 'inSample' };
    const known = this.inSampleMs.filter((ms): ms is number => ms !== undefined);
    const unknown = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 0;
    let best = -1;
    let bestMs = -Infinity;
    for (let index = 0; index < this.combinations; index++) {
      if (!this.outOfSampleLeft[index]) continue;
      const estimate = this.inSampleMs[index] ?? unknown;
      if (estimate > bestMs) {
        best = index;
        bestMs = estimate;
      }
    }
    if (best < 0) return null;
    this.outOfSampleLeft[best] = false;
    return { index: best, period: 'outOfSample' };
  }

  /** The in-sample backtest of combination `index` took `wallMs`. */
  inSampleDone(index: number, wallMs: number): void {
    this.inSampleMs[index] = wallMs;
  }
}

/** What the sweep table shows of one run (a period of one combination): a subset of the report's metrics. */
export interface SweepMetrics {
  readonly trades: number;
  readonly winRate: number | null;
  /** Decimal text, quote currency. */
  readonly netPnl: string;
  readonly profitFactor: number | null;
  readonly sharpe: number | null;
  readonly maxDrawdown: number;
  readonly totalReturn: number | null;
  readonly fees: string;
}

export const SWEEP_METRIC_KEYS = ['netPnl', 'sharpe', 'profitFactor', 'totalReturn', 'winRate', 'trades'] as const;
export type SweepRankMetric = (typeof SWEEP_METRIC_KEYS)[number];

export function isSweepRankMetric(value: string): value is SweepRankMetric {
  return (SWEEP_METRIC_KEYS as readonly string[]).includes(value);
}

/** Picks the sweep's columns out of a report's metrics (anything shaped like ReportMetrics). */
export function sweepMetricsOf(metrics: SweepMetrics): SweepMetrics {
  return {
    trades: metrics.trades,
    winRate: metrics.winRate,
    netPnl: metrics.netPnl,
    profitFactor: metrics.profitFactor,
    sharpe: metrics.sharpe,
    maxDrawdown: metrics.maxDrawdown,
    totalReturn: metrics.totalReturn,
    fees: metrics.fees,
  };
}

export interface SweepOutcome {
  /** Position in the grid (0-based), a stable tie-break. */
  readonly index: number;
  readonly settings: Readonly<Record<string, string>>;
  readonly inSample: SweepMetrics;
  readonly outOfSample: SweepMetrics;
}

export interface RankedOutcome extends SweepOutcome {
  /** 1 = best out-of-sample. */
  readonly rank: number;
  /** Where the same combination ranks on its in-sample result: far from `rank` = not robust. */
  readonly inSampleRank: number;
}

function metricValue(metrics: SweepMetrics, key: SweepRankMetric): number | null {
  const value = metrics[key];
  if (value === null) return null;
  const number = typeof value === 'string' ? Number(value) : value;
  return Number.isFinite(number) ? number : null;
}

/** Higher is better; a missing value (no trades, no losses for a profit factor…) after every present one. */
function compareBy(key: SweepRankMetric, pick: (o: SweepOutcome) => SweepMetrics) {
  return (a: SweepOutcome, b: SweepOutcome): number => {
    const x = metricValue(pick(a), key);
    const y = metricValue(pick(b), key);
    if (x === null || y === null) return x === null ? (y === null ? 0 : 1) : -1;
    return y - x;
  };
}

/**
 * Ranks by the out-of-sample `metric` (ties: the in-sample one, then grid order); each row also carries its
 * in-sample rank (ties: grid order). Deterministic for the same outcomes in any order.
 */
export function rankSweep(outcomes: readonly SweepOutcome[], metric: SweepRankMetric = 'netPnl'): RankedOutcome[] {
  const byIndex = (a: SweepOutcome, b: SweepOutcome) => a.index - b.index;
  const inSampleOrder = [...outcomes].sort((a, b) => compareBy(metric, (o) => o.inSample)(a, b) || byIndex(a, b));
  const inSampleRank = new Map(inSampleOrder.map((o, i) => [o.index, i + 1]));
  return [...outcomes]
    .sort(
      (a, b) =>
        compareBy(metric, (o) => o.outOfSample)(a, b) || compareBy(metric, (o) => o.inSample)(a, b) || byIndex(a, b),
    )
    .map((o, i) => ({ ...o, rank: i + 1, inSampleRank: inSampleRank.get(o.index) ?? 0 }));
}

function percent(value: number | null, decimals = 1): string {
  return value === null ? '—' : `${(value * 100).toFixed(decimals)}%`;
}

function ratio(value: number | null): string {
  return value === null ? '—' : value.toFixed(2);
}

function money(value: string): string {
  const n = Number(value);
  return Number.isFinite(n) ? n.toFixed(2) : value;
}

/** The ranked table as fixed-width text (what the CLI prints and writes to sweep.txt). */
export function formatSweepTable(ranked: readonly RankedOutcome[], keys: readonly string[]): string {
  const header = [
    'rank',
    ...keys,
    'OOS trades',
    'OOS net PnL',
    'OOS win',
    'OOS PF',
    'OOS Sharpe',
    'OOS maxDD',
    'IS rank',
    'IS trades',
    'IS net PnL',
    'IS win',
    'IS Sharpe',
  ];
  const rows = ranked.map((o) => [
    String(o.rank),
    ...keys.map((k) => o.settings[k] ?? ''),
    String(o.outOfSample.trades),
    money(o.outOfSample.netPnl),
    percent(o.outOfSample.winRate),
    ratio(o.outOfSample.profitFactor),
    ratio(o.outOfSample.sharpe),
    percent(o.outOfSample.maxDrawdown, 2),
    String(o.inSampleRank),
    String(o.inSample.trades),
    money(o.inSample.netPnl),
    percent(o.inSample.winRate),
    ratio(o.inSample.sharpe),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c <= keys.length ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
