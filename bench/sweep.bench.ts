import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simRecordOptionsFrom, writeSimRecording } from '../src/backtest/sim-record.cli';
import { runSweep } from '../src/backtest/sweep/sweep-runner';
import { table } from './support';

/**
 * The parameter sweep's speed-up from worker threads, measured in one run on the same grid and data: the same 4
 * combinations (8 backtests: in- and out-of-sample) with 1 worker, then with 2, then 1 again (a shared machine
 * drifts: the ratio uses the mean of the two 1-worker runs). "cores used" = CPU time of the whole process over wall
 * time: on a machine shared with other work, a speed-up below 2× with fewer than 2 cores used is the machine, not
 * the sweep. Each run starts its own workers (their start-up is part of the figure). The recording is the simulator's market model
 * (BENCH_SWEEP_MINUTES virtual minutes of BTCUSDT orderbook.50 + trades); its binary cache is built before timing.
 */
export async function sweepBench(minutes: number): Promise<void> {
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
        { key: 'IMBALANCE_BUY_THRESHOLD', values: ['0.55', '0.6'] },
        { key: 'SIGNAL_COOLDOWN_MS', values: ['200', '2000'] },
      ],
    };
    // Warm-up: builds the recording's binary cache (shared by every later run) and loads the code once.
    await runSweep({ ...base, outDir: join(dir, 'warm'), workers: 1, axes: [base.axes[0]] });
    const rows: Array<Record<string, string | number>> = [];
    const seconds: Record<number, number[]> = { 1: [], 2: [] };
    for (const workers of [1, 2, 1]) {
      const cpu = process.cpuUsage();
      const result = await runSweep({ ...base, outDir: join(dir, `w${workers}-${rows.length}`), workers });
      const used = process.cpuUsage(cpu);
      const s = result.wallMs / 1000;
      const cpuSeconds = (used.user + used.system) / 1e6;
      seconds[workers].push(s);
      rows.push({
        workers,
        backtests: result.ranked.length * 2,
        seconds: s.toFixed(2),
        'cpu seconds': cpuSeconds.toFixed(2),
        // CPU time of all threads / wall time: how many cores the process actually got (2 at best with 2 workers).
        'cores used': (cpuSeconds / s).toFixed(2),
      });
    }
    table(rows);
    const one = (seconds[1][0] + seconds[1][1]) / 2;
    const speedUp = one / seconds[2][0];
    console.log(
      `recording: ${lines} messages (${minutes} virtual minutes); speed-up 2 workers vs 1: ${speedUp.toFixed(2)}× ` +
        `(1 worker ${one.toFixed(2)} s mean of two runs, 2 workers ${seconds[2][0].toFixed(2)} s)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
