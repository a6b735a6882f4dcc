import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DailyFileStream, LogFileSink, utcDate } from './daily-file-stream';
import { waitFor as poll } from '../../../test/support/wait-for';

const T0 = Date.UTC(2025, 0, 31, 23, 59, 59, 998); // two milliseconds before 2025-02-01T00:00:00Z

/** A real clock stand-in the spec moves by hand. */
class ManualClock {
  constructor(public nowMs: number) {}
  readonly now = (): number => this.nowMs;
}

describe(DailyFileStream.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'daily-file-stream-')), 'nested', 'logs');
  });

  afterEach(() => {
    rmSync(join(dir, '..', '..'), { recursive: true, force: true });
  });

  it('should write to <prefix>_YYYYMMDD.log of the UTC day, creating the directory', () => {
    const clock = new ManualClock(T0);
    const sut = new DailyFileStream({ dir, prefix: 'bot', now: clock.now, sync: true });

    sut.write('{"n":1}\n');
    sut.close();

    expect(sut.pathFor(T0)).toBe(join(dir, 'bot_20250131.log'));
    expect(readFileSync(join(dir, 'bot_20250131.log'), 'utf8')).toBe('{"n":1}\n');
  });

  it('should switch to the next file at UTC midnight and keep earlier lines in the previous one', () => {
    const clock = new ManualClock(T0);
    const sut = new DailyFileStream({ dir, prefix: 'bot', now: clock.now, sync: true });

    sut.write('a\n');
    clock.nowMs = T0 + 1; // 23:59:59.999, same day
    sut.write('b\n');
    clock.nowMs = T0 + 2; // 00:00:00.000 the next day
    sut.write('c\n');
    clock.nowMs = T0 + 2 + 86_400_000 * 2; // two days later: no empty file for the skipped day
    sut.write('d\n');
    sut.close();

    expect(readdirSync(dir).sort()).toEqual(['bot_20250131.log', 'bot_20250201.log', 'bot_20250203.log']);
    expect(readFileSync(join(dir, 'bot_20250131.log'), 'utf8')).toBe('a\nb\n');
    expect(readFileSync(join(dir, 'bot_20250201.log'), 'utf8')).toBe('c\n');
    expect(readFileSync(join(dir, 'bot_20250203.log'), 'utf8')).toBe('d\n');
    expect(sut.path).toBe(join(dir, 'bot_20250203.log'));
  });

  it('should append to an existing file of the same day when the process restarts', () => {
    const clock = new ManualClock(T0);
    const first = new DailyFileStream({ dir, prefix: 'bot_errors', now: clock.now, sync: true });
    first.write('before restart\n');
    first.close();

    const sut = new DailyFileStream({ dir, prefix: 'bot_errors', now: clock.now, sync: true });
    sut.write('after restart\n');
    sut.close();

    expect(readFileSync(join(dir, 'bot_errors_20250131.log'), 'utf8')).toBe('before restart\nafter restart\n');
  });

  it('should open one file per day, not one per write', () => {
    const clock = new ManualClock(T0 + 2);
    const opened: string[] = [];
    const sink: LogFileSink = { write: () => true, end: () => undefined };
    const sut = new DailyFileStream({
      dir,
      prefix: 'bot',
      now: clock.now,
      open: (path) => {
        opened.push(path);
        return sink;
      },
    });

    for (let i = 0; i < 1000; i++) {
      clock.nowMs += 60_000; // 1000 minutes: still 2025-02-01
      sut.write('x\n');
    }

    expect(opened).toEqual([join(dir, 'bot_20250201.log')]);
  });

  it('should flush what an asynchronous file has buffered when closed', async () => {
    const clock = new ManualClock(T0);
    const sut = new DailyFileStream({ dir, prefix: 'bot', now: clock.now });

    for (let i = 0; i < 100; i++) sut.write(`line ${i}\n`);
    sut.close();
    await waitFor(() => readFileSafe(join(dir, 'bot_20250131.log')).split('\n').length === 101);

    expect(readFileSync(join(dir, 'bot_20250131.log'), 'utf8')).toContain('line 99\n');
  });

  it('should still write a line logged after close, synchronously', () => {
    const clock = new ManualClock(T0);
    const sut = new DailyFileStream({ dir, prefix: 'bot', now: clock.now, sync: true });
    sut.close();

    sut.write('late shutdown line\n');

    expect(readFileSync(join(dir, 'bot_20250131.log'), 'utf8')).toBe('late shutdown line\n');
    sut.close();
  });

  it('should report a file that cannot be opened instead of throwing from write', async () => {
    const errors: string[] = [];
    const blocker = join(dir, '..', 'a-file');
    mkdirSync(join(dir, '..'), { recursive: true });
    writeFileSync(blocker, ''); // a directory cannot be created under a regular file
    const sut = new DailyFileStream({
      dir: join(blocker, 'logs'),
      prefix: 'bot',
      onError: (err, path) => errors.push(`${path}: ${err.message}`),
    });

    expect(() => sut.write('x\n')).not.toThrow();
    await waitFor(() => errors.length > 0);

    expect(errors[0]).toContain(join(blocker, 'logs', 'bot_'));
  });
});

describe(utcDate.name, () => {
  it('should use the UTC calendar day whatever the local time zone', () => {
    expect(utcDate(Date.UTC(2024, 1, 29, 0, 0, 0, 0))).toBe('20240229');
    expect(utcDate(Date.UTC(2024, 1, 29, 23, 59, 59, 999))).toBe('20240229');
  });
});

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const waitFor = (condition: () => boolean, timeoutMs = 2000) => poll(condition, timeoutMs);
