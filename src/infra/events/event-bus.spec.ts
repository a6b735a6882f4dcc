import { Logger } from '@nestjs/common';
import { EventBus } from './event-bus';

const started = { actor: 'operator', previous: 'stopped', mode: 'sim' } as const;

describe(EventBus.name, () => {
  let sut: EventBus;
  let errors: jest.SpyInstance;

  beforeEach(() => {
    sut = new EventBus();
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => errors.mockRestore());

  it('should run the handlers after the publisher, in subscription order', async () => {
    const calls: string[] = [];
    sut.on('bot.started', () => void calls.push('first'));
    sut.on('bot.started', () => void calls.push('second'));

    sut.publish('bot.started', started);
    calls.push('publisher');
    await sut.drain();

    expect(calls).toEqual(['publisher', 'first', 'second']);
  });

  it('should log a failing handler, sync or async, and still run the others', async () => {
    const reached: string[] = [];
    sut.on('bot.started', () => {
      throw new Error('sync failure');
    });
    sut.on('bot.started', () => Promise.reject(new Error('async failure')));
    sut.on('bot.started', () => void reached.push('third'));

    sut.publish('bot.started', started);
    await sut.drain();

    expect(reached).toEqual(['third']);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(errors.mock.calls.map(([fields]) => (fields as { err: Error }).err.message).sort()).toEqual([
      'async failure',
      'sync failure',
    ]);
  });

  it('should take a handler that returns a value other than a promise as finished, not as a failure', async () => {
    const reached: string[] = [];
    // Like `() => counter.inc(...)` where inc returns something: typed void, returns a value.
    sut.on('bot.started', (() => 42) as unknown as () => void);
    sut.on('bot.started', () => void reached.push('second'));

    sut.publish('bot.started', started);
    await sut.drain();

    expect(reached).toEqual(['second']);
    expect(errors).not.toHaveBeenCalled();
  });

  it('should wait in drain() for async handlers to finish', async () => {
    let finished = false;
    sut.on('bot.started', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished = true;
    });

    sut.publish('bot.started', started);
    await sut.drain();

    expect(finished).toBe(true);
  });

  it('should deliver events published by a handler, in order after the current ones', async () => {
    const calls: string[] = [];
    sut.on('bot.started', () => {
      calls.push('started-1');
      sut.publish('bot.stopped', { actor: 'operator', previous: 'running', reason: 'test' });
    });
    sut.on('bot.started', () => void calls.push('started-2'));
    sut.on('bot.stopped', () => void calls.push('stopped'));

    sut.publish('bot.started', started);
    await sut.drain();

    expect(calls).toEqual(['started-1', 'started-2', 'stopped']);
  });

  it('should stop delivering to an unsubscribed handler', async () => {
    const handler = jest.fn();
    const off = sut.on('bot.started', handler);
    off();

    sut.publish('bot.started', started);
    await sut.drain();

    expect(handler).not.toHaveBeenCalled();
  });
});
