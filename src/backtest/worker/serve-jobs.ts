import { parentPort } from 'node:worker_threads';
import type { WorkerFailure, WorkerReply } from './thread-pool';

/**
 * The worker-thread side of ThreadPool: answers each `{id, job}` from the parent with progress messages and then
 * one `done` or `failed`. Jobs run one at a time (the pool never sends a second before the first is answered).
 */
export function serveJobs<J, P, R>(handle: (job: J, progress: (p: P) => void) => Promise<R>): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs runs in a worker thread');
  port.on('message', ({ id, job }: { id: number; job: J }) => {
    const send = (reply: WorkerReply<P, R>) => port.postMessage(reply);
    handle(job, (progress) => send({ id, kind: 'progress', progress })).then(
      (result) => send({ id, kind: 'done', result }),
      (error: unknown) => send({ id, kind: 'failed', error: failureOf(error) }),
    );
  });
}

export function failureOf(error: unknown): WorkerFailure {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, kind } = error as { code?: unknown; kind?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof kind === 'string' ? { kind } : {}),
  };
}
