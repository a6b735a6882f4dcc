import 'reflect-metadata';
import { isMainThread } from 'node:worker_threads';
import type { BacktestJob, BacktestJobProgress, BacktestJobResult } from './backtest-job';
import { runBacktest, writeBacktestOutput } from './backtest-runner';
import { sweepMetricsOf } from './domain/sweep';
import { serveJobs } from './worker/serve-jobs';

/**
 * The worker thread of a backtest (ThreadPool starts this file): runs one job at a time with the engine, writes its
 * report when asked, and answers with the figures the caller keeps (the report itself stays on disk, not copied
 * across threads). Progress is forwarded at most every `progressEveryMs`.
 */
export async function runBacktestJob(
  job: BacktestJob,
  progress: (p: BacktestJobProgress) => void,
): Promise<BacktestJobResult> {
  const every = job.progressEveryMs ?? 500;
  let last = -Infinity;
  const result = await runBacktest({
    dataPath: job.dataPath,
    symbols: job.symbols,
    fromMs: job.fromMs,
    toMs: job.toMs,
    overrides: job.overrides,
    seed: job.seed,
    onProgress: (p) => {
      const now = performance.now();
      if (now - last < every) return;
      last = now;
      progress({ ...p });
    },
  });
  if (job.outDir) await writeBacktestOutput(job.outDir, result);
  return {
    fingerprint: result.fingerprint,
    settings: result.settings,
    messages: result.messages,
    wallMs: Math.round(result.wallMs),
    metrics: sweepMetricsOf(result.report.metrics),
  };
}

if (!isMainThread) serveJobs(runBacktestJob);
