import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * A fixed set of worker threads, each running one job at a time from a FIFO queue: the backtest API runs each run
 * in one (never on the main event loop), the sweep runs its grid on one per core.
 *
 * The worker module is a sibling file of the caller. Compiled (dist/, `npm start`) it is a .js file and runs as
 * is. From TypeScript sources (ts-node as the CLIs run, jest) it is a .ts file: worker threads do not inherit the
 * parent's require hooks, so the thread first registers ts-node in transpile-only mode with swc, exactly as
 * `npm run record` / `TS_NODE_SWC=true ts-node --transpile-only` run the CLIs. Either way the thread runs the same
 * code the main thread would.
 *
 * Protocol (see serve-jobs.ts): parent → `{id, job}`; worker → `{id, kind: 'progress', progress}` (any number),
 * then `{id, kind: 'done', result}` or `{id, kind: 'failed', error}`.
 */

export interface WorkerFailure {
  readonly name: string;
  readonly message: string;
  /** A domain error's code, when the job threw one. */
  readonly code?: string;
  /** A domain error's kind (INVALID, …), when the job threw one. */
  readonly kind?: string;
}

/** A job that failed inside its worker (or whose worker died): carries what the worker reported. */
export class WorkerJobError extends Error {
  constructor(readonly failure: WorkerFailure) {
    super(failure.message);
    this.name = 'WorkerJobError';
  }
}

/** A job cancelled by its caller (`run`'s signal) before it finished. */
export class JobCancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelledError';
  }
}

export type WorkerReply<P, R> =
  | { readonly id: number; readonly kind: 'progress'; readonly progress: P }
  | { readonly id: number; readonly kind: 'done'; readonly result: R }
  | { readonly id: number; readonly kind: 'failed'; readonly error: WorkerFailure };

interface Pending<J, P, R> {
  readonly id: number;
  readonly job: J;
  readonly onProgress?: (progress: P) => void;
  readonly resolve: (result: R) => void;
  readonly reject: (error: Error) => void;
}

interface Slot<J, P, R> {
  worker: Worker;
  running?: Pending<J, P, R>;
}

/** Starts `modulePath` (.js or .ts, see above) as a worker thread. */
export function startWorker(modulePath: string, workerData?: unknown): Worker {
  const file = resolve(modulePath);
  if (!file.endsWith('.ts')) return new Worker(file, { workerData });
  const tsconfig = findTsconfig(dirname(file));
  const source = [
    `require(${JSON.stringify(require.resolve('ts-node'))}).register({ transpileOnly: true, swc: true${tsconfig ? `, project: ${JSON.stringify(tsconfig)}` : ''} });`,
    `require(${JSON.stringify(file)});`,
  ].join('\n');
  return new Worker(source, { eval: true, workerData });
}

function findTsconfig(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export class ThreadPool<J, P, R> {
  private readonly slots: Array<Slot<J, P, R>> = [];
  private readonly queue: Array<Pending<J, P, R>> = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly modulePath: string,
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`a thread pool needs at least one worker, got ${size}`);
  }

  /** Jobs started and not finished. */
  get running(): number {
    return this.slots.filter((slot) => slot.running).length;
  }

  /** Jobs waiting for a free worker. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Runs `job` on the next free worker. `signal` cancels it: a queued job leaves the queue, a running one's worker is
   * terminated (a backtest holds no lock or file handle a termination could leave behind) and replaced on demand;
   * either way the promise rejects with JobCancelledError.
   */
  run(job: J, onProgress?: (progress: P) => void, signal?: AbortSignal): Promise<R> {
    if (this.closed) return Promise.reject(new Error('thread pool closed'));
    if (signal?.aborted) return Promise.reject(new JobCancelledError());
    return new Promise<R>((resolvePromise, reject) => {
      const pending: Pending<J, P, R> = { id: this.nextId++, job, onProgress, resolve: resolvePromise, reject };
      signal?.addEventListener('abort', () => this.cancel(pending), { once: true });
      this.queue.push(pending);
      this.dispatch();
    });
  }

  private cancel(pending: Pending<J, P, R>): void {
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      pending.reject(new JobCancelledError());
      return;
    }
    const slot = this.slots.find((s) => s.running === pending);
    if (!slot) return; // already finished
    // Out of the pool first, so its exit is not taken for a crash of the next job.
    this.slots.splice(this.slots.indexOf(slot), 1);
    slot.running = undefined;
    pending.reject(new JobCancelledError());
    void slot.worker.terminate();
    this.dispatch();
  }

  /** Terminates every worker; running and queued jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    const error = new Error('thread pool closed');
    for (const pending of this.queue.splice(0)) pending.reject(error);
    const slots = this.slots.splice(0);
    for (const slot of slots) slot.running?.reject(error);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.running);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const pending = this.queue.shift() as Pending<J, P, R>;
      slot.running = pending;
      slot.worker.ref();
      slot.worker.postMessage({ id: pending.id, job: pending.job });
    }
  }

  private spawn(): Slot<J, P, R> {
    const slot: Slot<J, P, R> = { worker: startWorker(this.modulePath) };
    const worker = slot.worker;
    worker.on('message', (reply: WorkerReply<P, R>) => {
      const pending = slot.running;
      if (!pending || pending.id !== reply.id) return;
      if (reply.kind === 'progress') {
        pending.onProgress?.(reply.progress);
        return;
      }
      slot.running = undefined;
      worker.unref(); // an idle worker never keeps the process alive
      if (reply.kind === 'done') pending.resolve(reply.result);
      else pending.reject(new WorkerJobError(reply.error));
      this.dispatch();
    });
    const died = (error: WorkerFailure) => {
      const index = this.slots.indexOf(slot);
      if (index < 0) return; // closed, or already replaced
      this.slots.splice(index, 1);
      slot.running?.reject(new WorkerJobError(error));
      slot.running = undefined;
      if (!this.closed) this.dispatch(); // the next job gets a fresh worker
    };
    worker.on('error', (error: Error) => died({ name: error.name, message: error.message }));
    worker.on('exit', (code) =>
      died({ name: 'WorkerExit', message: `the backtest worker thread exited with code ${code}` }),
    );
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}
