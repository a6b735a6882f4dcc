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

/**
 * One worker thread for bcrypt. bcryptjs is pure JavaScript: on the main thread a cost-12 hash holds the event
 * loop in ~100 ms slices for ~0.5 s, which delays every market-data frame and trips the event-loop readiness
 * check on each login. Off-thread, the loop stays free. One worker also caps password hashing at one core however
 * many logins arrive at once (jobs queue in order).
 * Started on first use, referenced only while a job is pending (an idle worker never keeps the process alive),
 * restarted after a crash.
 */
export class BcryptWorker {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (value: string | boolean) => void; reject: (error: Error) => void }
  >();

  run(job: Extract<Job, { op: 'hash' }>): Promise<string>;
  run(job: Extract<Job, { op: 'compare' }>): Promise<boolean>;
  run(job: Job): Promise<string | boolean> {
    const worker = this.ensureWorker();
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) worker.ref(); // a caller awaiting a hash keeps the process alive
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Error('bcrypt worker closed'));
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: require.resolve('bcryptjs') } });
    worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref(); // an idle worker never keeps the process alive
      if (reply.error !== undefined) waiter.reject(new Error(`bcrypt failed: ${reply.error}`));
      else waiter.resolve(reply.result as string | boolean);
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
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
