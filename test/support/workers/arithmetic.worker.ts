import { threadId } from 'node:worker_threads';
import { serveJobs } from '../../../src/backtest/worker/serve-jobs';

/** A worker module for the thread-pool test: sums 1..n with progress, fails on request, or exits its thread. */
export type ArithmeticJob =
  | { readonly op: 'sum'; readonly n: number; readonly busyMs?: number }
  | { readonly op: 'fail' }
  | { readonly op: 'exit' };

serveJobs<ArithmeticJob, number, { sum: number; threadId: number }>(async (job, progress) => {
  if (job.op === 'exit') process.exit(3);
  if (job.op === 'fail') throw Object.assign(new Error('asked to fail'), { code: 'ASKED', kind: 'INVALID' });
  let sum = 0;
  for (let i = 1; i <= job.n; i++) {
    sum += i;
    if (i % 10 === 0) progress(i);
  }
  // Hold the thread (busy, not sleeping) so concurrent jobs really overlap.
  const until = Date.now() + (job.busyMs ?? 0);
  while (Date.now() < until);
  await Promise.resolve();
  return { sum, threadId };
});
