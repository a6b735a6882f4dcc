import { KeyedSerialQueue } from './keyed-serial-queue';

/** A promise the test settles by hand, so ordering does not depend on timers. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask run (promise chains settle within a few turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe(KeyedSerialQueue.name, () => {
  let sut: KeyedSerialQueue;

  beforeEach(() => {
    sut = new KeyedSerialQueue();
  });

  it('should run work of one key one at a time in arrival order when the earlier work is slower', async () => {
    const log: string[] = [];
    const slow = deferred();
    const first = sut.run('pos-1', async () => {
      log.push('first:start');
      await slow.promise;
      log.push('first:end');
      return 1;
    });
    const second = sut.run('pos-1', async () => {
      log.push('second:start');
      return 2;
    });

    await settle();
    expect(log).toEqual(['first:start']);
    slow.resolve();

    await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
    expect(log).toEqual(['first:start', 'first:end', 'second:start']);
  });

  it('should run work of different keys concurrently when one key is blocked', async () => {
    const blocked = deferred();
    const log: string[] = [];
    const a = sut.run('pos-1', async () => {
      log.push('a:start');
      await blocked.promise;
      log.push('a:end');
    });

    const b = sut.run('pos-2', async () => {
      log.push('b:done');
    });
    await b;
    await settle();

    expect(log).toEqual(['a:start', 'b:done']);
    expect(sut.pending).toBe(1);
    blocked.resolve();
    await a;
    expect(log).toEqual(['a:start', 'b:done', 'a:end']);
  });

  it('should reject to its caller and still run the next work of the key when a task fails', async () => {
    const failure = new Error('optimistic lock conflict');
    const failed = sut.run('pos-1', async () => {
      throw failure;
    });
    const next = sut.run('pos-1', async () => 'ran');

    await expect(failed).rejects.toBe(failure);
    await expect(next).resolves.toBe('ran');
  });

  it('should not start the next work when the failing one has not settled yet', async () => {
    const gate = deferred();
    const log: string[] = [];
    const failed = sut.run('pos-1', async () => {
      await gate.promise;
      log.push('failed');
      throw new Error('boom');
    });
    const next = sut.run('pos-1', async () => {
      log.push('next');
    });
    failed.catch(() => undefined);

    await settle();
    expect(log).toEqual([]);
    gate.resolve();
    await next;

    expect(log).toEqual(['failed', 'next']);
  });

  it('should count keys with work and go back to 0 after drain() when everything has finished', async () => {
    const gates = [deferred(), deferred(), deferred()];
    const done: number[] = [];
    void sut.run('a', async () => {
      await gates[0].promise;
      done.push(0);
    });
    void sut.run('a', async () => {
      await gates[1].promise;
      done.push(1);
    });
    void sut.run('b', async () => {
      await gates[2].promise;
      done.push(2);
    });
    expect(sut.pending).toBe(2);
    let drained = false;
    const drain = sut.drain().then(() => {
      drained = true;
    });

    await settle(); // every task has started and waits on its gate
    gates[2].resolve();
    gates[0].resolve();
    await settle();
    expect(drained).toBe(false);
    gates[1].resolve();
    await drain;

    expect(done).toEqual([2, 0, 1]);
    expect(sut.pending).toBe(0);
  });

  it('should wait in drain() when work is queued while it drains', async () => {
    const gate = deferred();
    const done: string[] = [];
    void sut.run('a', async () => {
      await gate.promise;
      // Queued from inside running work, after drain() started waiting.
      void sut.run('b', async () => {
        done.push('late');
      });
      done.push('first');
    });
    const drain = sut.drain();

    gate.resolve();
    await drain;

    expect(done).toEqual(['first', 'late']);
    expect(sut.pending).toBe(0);
  });

  it('should resolve drain() at once and count nothing when the queue is empty', async () => {
    await expect(sut.drain()).resolves.toBeUndefined();
    expect(sut.pending).toBe(0);
  });

  it('should count nothing pending when a failing task has settled', async () => {
    await sut.run('a', async () => Promise.reject(new Error('x'))).catch(() => undefined);
    await settle();

    expect(sut.pending).toBe(0);
  });
});
