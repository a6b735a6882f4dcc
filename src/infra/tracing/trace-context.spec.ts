import { ConsoleLogger, Logger, LoggerService } from '@nestjs/common';
import { CLS_ID, ClsServiceManager } from 'nestjs-cls';
import { setTimeout as sleep } from 'node:timers/promises';
import { currentSpan, currentTrace, currentTraceId, withTrace } from './trace-context';

interface Captured {
  readonly level: 'log' | 'error' | 'warn' | 'debug' | 'verbose';
  readonly message: unknown;
  readonly msg: unknown;
  readonly traceId?: string;
  readonly span?: string;
}

/** Stands in for nestjs-pino: records each call with the trace context it was made in. */
class CapturingLogger implements LoggerService {
  readonly calls: Captured[] = [];
  log(message: unknown, ...rest: unknown[]) {
    this.capture('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.capture('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.capture('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.capture('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.capture('verbose', message, rest);
  }
  private capture(level: Captured['level'], message: unknown, rest: unknown[]): void {
    this.calls.push({ level, message, msg: rest[0], traceId: currentTraceId(), span: currentSpan() });
  }
}

describe(withTrace.name, () => {
  let logs: CapturingLogger;

  beforeEach(() => {
    logs = new CapturingLogger();
    Logger.overrideLogger(logs);
  });

  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  it('should start a new trace with a fresh 32-hex id when no context is active', () => {
    const first = withTrace('root', () => currentTrace());
    const second = withTrace('root', () => currentTrace());

    expect(first).toEqual({ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), span: 'root' });
    expect(second?.traceId).not.toBe(first?.traceId);
    expect(currentTraceId()).toBeUndefined();
  });

  it('should keep the trace id in a nested span and restore the parent span afterwards', async () => {
    const seen: Array<[string, string | undefined, string | undefined]> = [];
    const mark = (where: string) => seen.push([where, currentTraceId(), currentSpan()]);

    await withTrace('outer', async () => {
      mark('outer');
      await withTrace('inner', async () => {
        mark('inner');
        await sleep(2);
        mark('inner after await');
      });
      mark('outer after inner');
    });

    const traceId = seen[0][1];
    expect(seen).toEqual([
      ['outer', traceId, 'outer'],
      ['inner', traceId, 'inner'],
      ['inner after await', traceId, 'inner'],
      ['outer after inner', traceId, 'outer'],
    ]);
  });

  it('should keep the parent span for the parent while a child span is still running', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));

    await withTrace('parent', async () => {
      const child = withTrace('child', async () => {
        await gate;
        return currentSpan();
      });
      expect(currentSpan()).toBe('parent'); // the child has not finished, the parent's view is unchanged
      release();
      expect(await child).toBe('child');
      expect(currentSpan()).toBe('parent');
    });
  });

  it('should nest under an HTTP request context and keep its trace id', () => {
    const cls = ClsServiceManager.getClsService();

    const inSpan = cls.runWith({ [CLS_ID]: 'abc-123' }, () => {
      const trace = withTrace('handle', () => currentTrace());
      return { trace, after: currentTrace() };
    });

    expect(inSpan).toEqual({ trace: { traceId: 'abc-123', span: 'handle' }, after: { traceId: 'abc-123' } });
  });

  it('should keep the context across timers, setImmediate and event callbacks started inside the span', async () => {
    const traceId = await withTrace('timers', async () => {
      const id = currentTraceId();
      const fromTimeout = await new Promise<string | undefined>((resolve) =>
        setTimeout(() => resolve(currentTraceId()), 1),
      );
      const fromImmediate = await new Promise<string | undefined>((resolve) =>
        setImmediate(() => resolve(currentTraceId())),
      );
      const fromInterval = await new Promise<string | undefined>((resolve) => {
        const handle = setInterval(() => {
          clearInterval(handle);
          resolve(currentTraceId());
        }, 1);
      });
      expect([fromTimeout, fromImmediate, fromInterval]).toEqual([id, id, id]);
      return id;
    });

    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('should isolate concurrent roots from each other', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        withTrace(`root-${i}`, async () => {
          const before = currentTrace();
          await sleep(10 - i);
          return { before, after: currentTrace() };
        }),
      ),
    );

    for (const { before, after } of results) expect(after).toEqual(before);
    expect(new Set(results.map((r) => r.before?.traceId)).size).toBe(10);
  });

  it('should return a sync result synchronously', () => {
    expect(withTrace('sync', () => 42)).toBe(42);
  });

  it('should log the start at debug and the end with duration_ms inside the span', async () => {
    await withTrace('logged', async () => sleep(1), { symbol: 'BTCUSDT' });

    expect(logs.calls.map((c) => [c.level, c.msg, c.span])).toEqual([
      ['debug', 'span started', 'logged'],
      ['debug', 'span finished', 'logged'],
    ]);
    expect(logs.calls[0].message).toEqual({ attrs: { symbol: 'BTCUSDT' } });
    expect(logs.calls[1].message).toEqual({ duration_ms: expect.any(Number) });
  });

  it('should rethrow a sync error unchanged and log it once with err', () => {
    const failure = new Error('boom');

    expect(() =>
      withTrace('outer', () =>
        withTrace('inner', () => {
          throw failure;
        }),
      ),
    ).toThrow(failure);

    const errors = logs.calls.filter((c) => c.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ message: { err: failure, duration_ms: expect.any(Number) }, span: 'inner' }),
    ]);
  });

  it('should propagate an async rejection unchanged and log it at the innermost span only', async () => {
    const failure = new Error('async boom');

    await expect(
      withTrace('outer', async () => {
        await withTrace('inner', async () => {
          await sleep(1);
          throw failure;
        });
      }),
    ).rejects.toBe(failure);

    expect(logs.calls.filter((c) => c.level === 'error').map((c) => c.span)).toEqual(['inner']);
    expect(logs.calls.filter((c) => c.msg === 'span failed (logged by an inner span)').map((c) => c.span)).toEqual([
      'outer',
    ]);
  });
});
