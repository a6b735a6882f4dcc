import { Worker } from 'node:worker_threads';

type Job =
  | { readonly op: 'hash'; readonly password: string; readonly cost: number }
  | { readonly op: 'compare'; readonly password: string; readonly hash: string };
type Reply = { readonly id: number; readonly result?: string | boolean; readonly error?: string };

/*
 * Runs in the worker thread. CommonJS source evaluated by Worker({ eval: true }), so it needs no separate build
 * artefact and works the same under ts-node, jest (swc) and the compiled dist. bcryptjs is loaded from the path
 * the main thread resolved, so both use the same copy.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', ({ id, job }) => {
  try {
    const result = job.op === 'hash' ? bcrypt.hashSync(job.password, job.cost) : bcrypt.compareSync(job.password, job.hash);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/** The normal lane is full: the caller should answer "busy, retry shortly" instead of waiting behind a flood. */
export class BcryptQueueFullError extends Error {
  constructor() {
    super('bcrypt queue full');
    this.name = 'BcryptQueueFullError';
  }
}

/** Normal-lane jobs waiting (not counting the one running) before new ones are refused. */
export const BCRYPT_MAX_QUEUED = 8;

interface QueuedJob {
  readonly job: Job;
  readonly resolve: (value: string | boolean) => void;
  readonly reject: (error: Error) => void;
}

/**
 * One worker thread for bcrypt. bcryptjs is pure JavaScript: on the main thread a cost-12 hash holds the event
 * loop in ~100 ms slices for ~0.5 s, which delays every market-data frame and trips the event-loop readiness
 * check on each login. Off-thread, the loop stays free. One worker also caps password hashing at one core however
 * many logins arrive at once.
 * Jobs are handed to the worker one at a time from two lanes: `priority` (the operator from an address that
 * logged in before, and hashing a new password) always goes next; the normal lane holds at most `maxQueued` jobs
 * and refuses more (BcryptQueueFullError), so a distributed guess can neither grow memory nor delay a correct
 * login by more than one comparison.
 * Started on first use, referenced only while a job is pending (an idle worker never keeps the process alive),
 * restarted after a crash.
 */
export class BcryptWorker {
  private worker: Worker | null = null;
  private nextId = 0;
  private running: { readonly id: number; readonly queued: QueuedJob } | null = null;
  private readonly priority: QueuedJob[] = [];
  private readonly normal: QueuedJob[] = [];

  constructor(private readonly maxQueued = BCRYPT_MAX_QUEUED) {}

  run(job: Extract<Job, { op: 'hash' }>, options?: { readonly priority?: boolean }): Promise<string>;
  run(job: Extract<Job, { op: 'compare' }>, options?: { readonly priority?: boolean }): Promise<boolean>;
  run(job: Job, options: { readonly priority?: boolean } = {}): Promise<string | boolean> {
    const lane = options.priority ? this.priority : this.normal;
    if (!options.priority && this.normal.length >= this.maxQueued) return Promise.reject(new BcryptQueueFullError());
    return new Promise((resolve, reject) => {
      lane.push({ job, resolve, reject });
      this.startNext();
    });
  }

  /** Jobs waiting in either lane, not counting the one running. */
  get queued(): number {
    return this.priority.length + this.normal.length;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Error('bcrypt worker closed'));
    await worker?.terminate();
  }

  private startNext(): void {
    if (this.running) return;
    const next = this.priority.shift() ?? this.normal.shift();
    if (!next) return;
    const worker = this.ensureWorker();
    const id = ++this.nextId;
    this.running = { id, queued: next };
    worker.ref(); // a caller awaiting a hash keeps the process alive
    worker.postMessage({ id, job: next.job });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: require.resolve('bcryptjs') } });
    worker.on('message', (reply: Reply) => {
      const running = this.running;
      if (!running || running.id !== reply.id) return;
      this.running = null;
      worker.unref(); // an idle worker never keeps the process alive
      if (reply.error !== undefined) running.queued.reject(new Error(`bcrypt failed: ${reply.error}`));
      else running.queued.resolve(reply.result as string | boolean);
      this.startNext();
    });
    const abandon = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = null; // the next job starts a fresh worker
      this.failAll(error);
    };
    worker.on('error', abandon);
    worker.on('exit', (code) => abandon(new Error(`bcrypt worker exited with code ${code}`)));
    // After the listeners: attaching a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    const running = this.running;
    this.running = null;
    running?.queued.reject(error);
    for (const waiter of this.priority.splice(0)) waiter.reject(error);
    for (const waiter of this.normal.splice(0)) waiter.reject(error);
  }
}
