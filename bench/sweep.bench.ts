import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simRecordOptionsFrom, writeSimRecording } from '../src/backtest/sim-record.cli';
import { BACKTEST_V8_FLAGS, type SweepOptions } from '../src/backtest/sweep/sweep-runner';
import { table } from './support';

/**
 * The parameter sweep's speed-up from worker threads, measured in one run on the same grid and data: the same
 * BENCH_SWEEP_GRID x BENCH_SWEEP_GRID grid (default 4x4: 16 combinations, 32 backtests in- and out-of-sample) with 1
 * worker and with 2, in BENCH_SWEEP_ROUNDS rounds (default 3) whose order alternates (1 then 2, 2 then 1, …): a
 * shared machine's speed drifts by tens of percent within minutes, so each round's ratio compares two adjacent runs
 * and the figure is the median of the rounds' ratios. The grid size matters: every worker compiles the engine anew
 * (V8 optimizes per thread, about 2 s of compiler time per worker, most of it in its first backtest), a cost that one
 * worker pays once and that a small grid cannot spread. Each sweep runs in its own process started with the
 * backtest CLI's V8 flags (BACKTEST_V8_FLAGS), as `npm run backtest -- --sweep` runs; the time is the sweep's own
 * (sweep.json wallMs: cache check, span, worker start-up, every backtest). "cores used" = CPU time of the whole
 * process (every thread) over that time: a speed-up below 2x with fewer than 2 cores used is the machine, not the
 * sweep. The recording is the simulator's market model (BENCH_SWEEP_MINUTES virtual minutes of BTCUSDT
 * orderbook.50 + trades); its binary cache is built before timing.
 */
export async function sweepBench(minutes: number, rounds: number, grid: number): Promise<void> {
  if (!(grid >= 1 && grid <= 4)) throw new Error(`BENCH_SWEEP_GRID must be 1 to 4 values per axis, got ${grid}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
  try {
    const data = join(dir, 'sim.jsonl.gz');
    const lines = await writeSimRecording(
      simRecordOptionsFrom(['--record', data, '--minutes', String(minutes), '--seed', '11']),
    );
    const base = {
      dataPath: data,
      fixed: { IMBALANCE_SELL_THRESHOLD: '0.45', MIN_CLUSTER_VOLUME: '1000' },
      axes: [
        { key: 'IMBALANCE_BUY_THRESHOLD', values: ['0.55', '0.6', '0.65', '0.7'].slice(0, grid) },
        { key: 'SIGNAL_COOLDOWN_MS', values: ['200', '2000', '500', '1000'].slice(0, grid) },
      ],
    };
    // Warm-up: builds the recording's binary cache (shared by every later run).
    sweepInChild({ ...base, outDir: join(dir, 'warm'), workers: 1, axes: [{ ...base.axes[0], values: ['0.55'] }] });
    const rows: Array<Record<string, string | number>> = [];
    const ratios: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? [1, 2] : [2, 1];
      const seconds: Record<number, number> = {};
      for (const workers of order) {
        const result = sweepInChild({ ...base, outDir: join(dir, `r${round}-w${workers}`), workers });
        const s = result.wallMs / 1000;
        seconds[workers] = s;
        rows.push({
          round,
          workers,
          backtests: result.backtests,
          seconds: s.toFixed(2),
          'cpu seconds': result.cpuSeconds.toFixed(2),
          // CPU time of all threads / wall time: how many cores the process actually got (2 at best with 2 workers).
          'cores used': (result.cpuSeconds / s).toFixed(2),
        });
      }
      ratios.push(seconds[1] / seconds[2]);
    }
    table(rows);
    const sorted = [...ratios].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `recording: ${lines} messages (${minutes} virtual minutes); grid ${grid}x${grid}; V8 flags ${BACKTEST_V8_FLAGS.join(' ')}; ` +
        `speed-up 2 workers vs 1: median ${median.toFixed(2)}× of ${rounds} rounds ` +
        `(${ratios.map((r) => r.toFixed(2)).join(', ')})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ChildResult {
  readonly wallMs: number;
  readonly cpuSeconds: number;
  readonly backtests: number;
}

function sweepInChild(options: SweepOptions): ChildResult {
  const output = execFileSync(
    process.execPath,
    [...BACKTEST_V8_FLAGS, join(__dirname, 'sweep-child.js'), JSON.stringify(options)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20 },
  );
  const lines = output.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as ChildResult;
}
