import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { JobCancelledError, ThreadPool, WorkerJobError } from '../../../src/backtest/worker/thread-pool';
import type { ArithmeticJob } from '../../support/workers/arithmetic.worker';

/**
 * The thread pool with a real worker module started from TypeScript source (the way the CLIs and jest run it:
 * ts-node registered inside the thread): results, progress, failures with their domain code, a dead worker
 * replaced, and jobs spread over the workers.
 */
const MODULE = join(__dirname, '../../support/workers/arithmetic.worker.ts');

type Result = { sum: number; threadId: number };

describe('ThreadPool', () => {
  let pool: ThreadPool<ArithmeticJob, number, Result>;
  afterEach(() => pool?.close());

  it('runs a job off the main thread and relays its progress', async () => {
    pool = new ThreadPool(MODULE, 1);
    const progress: number[] = [];
    const result = await pool.run({ op: 'sum', n: 30 }, (p) => progress.push(p));
    expect(result.sum).toBe(465);
    expect(result.threadId).not.toBe(threadId);
    expect(progress).toEqual([10, 20, 30]);
    expect(pool.running).toBe(0);
  });

  it('fails the job with the error the worker threw, and keeps serving', async () => {
    pool = new ThreadPool(MODULE, 1);
    const failed = await pool.run({ op: 'fail' }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(WorkerJobError);
    expect((failed as WorkerJobError).failure).toEqual({
      name: 'Error',
      message: 'asked to fail',
      code: 'ASKED',
      kind: 'INVALID',
    });
    expect((await pool.run({ op: 'sum', n: 3 })).sum).toBe(6);
  });

  it('fails the job of a worker that died and starts a fresh worker for the next', async () => {
    pool = new ThreadPool(MODULE, 1);
    const first = await pool.run({ op: 'sum', n: 1 });
    await expect(pool.run({ op: 'exit' })).rejects.toThrow(/exited with code 3/);
    const second = await pool.run({ op: 'sum', n: 1 });
    expect(second.threadId).not.toBe(first.threadId);
  });

  it('runs queued jobs on every worker at once, at most one job per worker', async () => {
    pool = new ThreadPool(MODULE, 2);
    const jobs = [0, 1, 2, 3].map(() => pool.run({ op: 'sum', n: 10, busyMs: 200 }));
    expect(pool.running).toBe(2);
    expect(pool.queued).toBe(2);
    const results = await Promise.all(jobs);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
  });

  it('cancels a running job (its worker terminated) and a queued one, then serves the next on a fresh worker', async () => {
    pool = new ThreadPool(MODULE, 1);
    const warm = await pool.run({ op: 'sum', n: 1 });
    const running = new AbortController();
    const queued = new AbortController();
    const long = pool.run({ op: 'sum', n: 10, busyMs: 30_000 }, undefined, running.signal);
    const waiting = pool.run({ op: 'sum', n: 2 }, undefined, queued.signal);
    expect([pool.running, pool.queued]).toEqual([1, 1]);
    queued.abort();
    await expect(waiting).rejects.toBeInstanceOf(JobCancelledError);
    expect(pool.queued).toBe(0);
    const cancelledAt = Date.now();
    running.abort();
    await expect(long).rejects.toBeInstanceOf(JobCancelledError);
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    const next = await pool.run({ op: 'sum', n: 3 });
    expect(next.sum).toBe(6);
    expect(next.threadId).not.toBe(warm.threadId);
    await expect(pool.run({ op: 'sum', n: 1 }, undefined, AbortSignal.abort())).rejects.toBeInstanceOf(
      JobCancelledError,
    );
  });

  it('fails queued and running jobs when closed', async () => {
    pool = new ThreadPool(MODULE, 1);
    const running = pool.run({ op: 'sum', n: 10, busyMs: 2000 }).catch((error: Error) => error.message);
    const queued = pool.run({ op: 'sum', n: 10 }).catch((error: Error) => error.message);
    await pool.close();
    expect(await running).toBe('thread pool closed');
    expect(await queued).toBe('thread pool closed');
  });
});
