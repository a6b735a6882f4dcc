import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { isoUtc } from '../../common/iso-time';
import type { BacktestJob, BacktestJobProgress, BacktestJobResult } from '../backtest-job';
import { resolveSettings } from '../backtest-settings';
import { cacheSpan } from '../backtest-input';
import { ensureCache, fingerprintRecording, listRecordingFiles } from '../recording-reader';
import {
  formatSweepTable,
  rankSweep,
  splitSpan,
  SweepSchedule,
  sweepGrid,
  type RankedOutcome,
  type SampleSplit,
  type SweepAxis,
  type SweepBacktest,
  type SweepOutcome,
  type SweepRankMetric,
} from '../domain/sweep';
import { ThreadPool } from '../worker/thread-pool';
import { recordingSpan } from './recording-span';

/**
 * `npm run backtest -- --sweep KEY=a,b,c [--sweep …]`: every combination of the swept settings is backtested twice,
 * on the in-sample period and on the out-of-sample period that follows it, on worker threads (one per core by
 * default, each job a whole backtest: no shared state, so two workers do twice the work). The combinations are
 * ranked by their out-of-sample result with the in-sample one beside it, and written as sweep.json and sweep.txt.
 */

export interface SweepOptions {
  readonly dataPath: string;
  readonly outDir: string;
  readonly axes: readonly SweepAxis[];
  /** `--set` values every combination shares. */
  readonly fixed?: Readonly<Record<string, string>>;
  readonly symbols?: readonly string[];
  /** The period to split; the recording's own span when absent. */
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly seed?: number;
  /** Share of the period used in-sample (default 0.7). */
  readonly inSampleShare?: number;
  /** Worker threads (default: one per core). */
  readonly workers?: number;
  readonly rankBy?: SweepRankMetric;
  /** The worker module (tests); the backtest worker beside this folder by default. */
  readonly workerModule?: string;
  /** After each finished backtest: how many of how many. */
  readonly onJobDone?: (done: number, total: number) => void;
}

export interface SweepResult {
  readonly ranked: readonly RankedOutcome[];
  readonly split: SampleSplit;
  readonly table: string;
  readonly workers: number;
  readonly wallMs: number;
  readonly files: { readonly json: string; readonly table: string };
}

export const DEFAULT_IN_SAMPLE_SHARE = 0.7;

/**
 * The V8 flags `npm run backtest` starts Node with (package.json; a spec keeps the two in step, and the sweep bench
 * runs its sweeps under them too). Single-threaded GC: a sweep keeps every core busy with a worker, so V8's
 * parallel and concurrent GC helper threads can only take time from another worker (one A/B: 1.61x with them,
 * 1.75x without, two workers on a 4-hour recording), and a lone backtest ran no slower without them.
 */
export const BACKTEST_V8_FLAGS: readonly string[] = ['--single-threaded-gc'];

export function defaultSweepWorkerModule(): string {
  return join(__dirname, '..', `backtest.worker${extname(__filename)}`);
}

export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const fixed = options.fixed ?? {};
  const grid = sweepGrid(options.axes, fixed);
  // Every combination's settings are checked before a worker starts: a bad key or value fails now, naming it.
  for (const settings of grid) resolveSettings({ ...fixed, ...settings }, options.symbols);
  const started = process.hrtime.bigint();
  // The binary cache is built here, once, before the workers start (they would otherwise each build it at once);
  // its record headers give the period to split without reading the recording's JSON again.
  const cachePath = await prepareCache(options.dataPath, resolveSettings(fixed, options.symbols));
  const span =
    options.fromMs !== undefined && options.toMs !== undefined
      ? { fromMs: options.fromMs, toMs: options.toMs }
      : await spanWithin(options, cachePath);
  const split = splitSpan(span, options.inSampleShare ?? DEFAULT_IN_SAMPLE_SHARE);
  const workers = options.workers ?? availableParallelism();
  const pool = new ThreadPool<BacktestJob, BacktestJobProgress, BacktestJobResult>(
    options.workerModule ?? defaultSweepWorkerModule(),
    workers,
  );
  const total = grid.length * 2;
  let done = 0;
  const schedule = new SweepSchedule(grid.length);
  const results: Record<SweepBacktest['period'], BacktestJobResult[]> = { inSample: [], outOfSample: [] };
  // One lane per worker, each starting the schedule's next backtest when its last one is done: the pool's own queue
  // is first come first served, and the out-of-sample order is only known as in-sample runs finish.
  const lane = async () => {
    for (let backtest = schedule.next(); backtest; backtest = schedule.next()) {
      const result = await pool.run({
        dataPath: options.dataPath,
        symbols: options.symbols,
        fromMs: split[backtest.period].fromMs,
        toMs: split[backtest.period].toMs,
        overrides: { ...fixed, ...grid[backtest.index] },
        seed: options.seed,
        progressEveryMs: 60_000,
      });
      if (backtest.period === 'inSample') schedule.inSampleDone(backtest.index, result.wallMs);
      results[backtest.period][backtest.index] = result;
      options.onJobDone?.(++done, total);
    }
  };
  let outcomes: SweepOutcome[];
  try {
    await Promise.all(Array.from({ length: Math.min(workers, total) }, lane));
    outcomes = grid.map((settings, index) => ({
      index,
      settings,
      inSample: results.inSample[index].metrics,
      outOfSample: results.outOfSample[index].metrics,
    }));
  } finally {
    await pool.close();
  }
  const wallMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  const rankBy = options.rankBy ?? 'netPnl';
  const ranked = rankSweep(outcomes, rankBy);
  const keys = options.axes.map((a) => a.key);
  const table = formatSweepTable(ranked, keys);
  mkdirSync(options.outDir, { recursive: true });
  const files = { json: join(options.outDir, 'sweep.json'), table: join(options.outDir, 'sweep.txt') };
  const document = {
    dataPath: options.dataPath,
    fingerprint: fingerprintRecording(options.dataPath),
    symbols: options.symbols ?? null,
    seed: options.seed ?? null,
    fixed,
    axes: options.axes,
    rankBy,
    inSample: { from: isoUtc(split.inSample.fromMs), to: isoUtc(split.inSample.toMs) },
    outOfSample: { from: isoUtc(split.outOfSample.fromMs), to: isoUtc(split.outOfSample.toMs) },
    combinations: grid.length,
    workers,
    wallMs,
    results: ranked,
  };
  atomicWrite(files.json, `${JSON.stringify(document, null, 2)}\n`);
  atomicWrite(
    files.table,
    `Sweep ranked by out-of-sample ${rankBy} (in-sample ${document.inSample.from} … ${document.inSample.to}, ` +
      `out-of-sample ${document.outOfSample.from} … ${document.outOfSample.to})\n\n${table}\n`,
  );
  return { ranked, split, table, workers, wallMs, files };
}

/** The recording's span narrowed by --from / --to when only one of them is given. */
async function spanWithin(options: SweepOptions, cachePath: string | null): Promise<{ fromMs: number; toMs: number }> {
  const span = (cachePath ? cacheSpan(cachePath) : null) ?? (await recordingSpan(options.dataPath));
  return { fromMs: options.fromMs ?? span.fromMs, toMs: options.toMs ?? span.toMs };
}

/** The recording's binary cache, built if missing, where the settings use one (BACKTEST_CACHE); null otherwise. */
async function prepareCache(dataPath: string, settings: ReturnType<typeof resolveSettings>): Promise<string | null> {
  if (!settings.backtest.BACKTEST_CACHE) return null;
  listRecordingFiles(dataPath); // a missing path or a directory without recordings fails here, naming it
  return ensureCache(dataPath, join(settings.config.app.dataDir, 'backtests', 'cache'));
}

function atomicWrite(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
