import { ConsoleLogger, Logger } from '@nestjs/common';
import { CLS_ID, ClsServiceManager } from 'nestjs-cls';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { withTrace } from '../tracing/trace-context';
import { createLogSinks, LogSinks } from './log-sinks';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

/** Collects what the stdout copy receives. */
class CapturedStdout implements DestinationStream {
  readonly lines: Record<string, unknown>[] = [];
  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }
}

function leafValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return typeof value === 'object' && value !== null ? Object.values(value).flatMap(leafValues) : [];
}

function readJsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe(createLogSinks.name, () => {
  // withTrace's span lines go through Nest's Logger; keep its console output out of the test run.
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  let dir: string;
  let stdout: CapturedStdout;
  let sut: LogSinks;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'log-sinks-'));
    stdout = new CapturedStdout();
    sut = createLogSinks({ level: 'debug', dir, stdout: true }, { stdout, now: () => T0, syncFiles: true });
  });

  afterEach(() => {
    sut.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const allFile = () => join(dir, 'bot_20250601.log');
  const errorFile = () => join(dir, 'bot_errors_20250601.log');

  it('should write every line to stdout and the daily file, and error lines also to the errors file', () => {
    sut.logger.debug('d');
    sut.logger.info('i');
    sut.logger.warn('w');
    sut.logger.error('e');
    sut.logger.fatal('f');

    expect(stdout.lines.map((l) => l.msg)).toEqual(['d', 'i', 'w', 'e', 'f']);
    expect(readJsonLines(allFile()).map((l) => l.msg)).toEqual(['d', 'i', 'w', 'e', 'f']);
    expect(readJsonLines(errorFile()).map((l) => [l.level, l.msg])).toEqual([
      ['error', 'e'],
      ['fatal', 'f'],
    ]);
  });

  it('should drop lines below LOG_LEVEL everywhere', () => {
    const quiet = createLogSinks({ level: 'warn', dir, stdout: true }, { stdout, now: () => T0, syncFiles: true });

    quiet.logger.info('not shown');
    quiet.logger.warn('shown');
    quiet.close();

    expect(stdout.lines.map((l) => l.msg)).toEqual(['shown']);
  });

  it('should not write to stdout when LOG_STDOUT is off', () => {
    const filesOnly = createLogSinks({ level: 'info', dir, stdout: false }, { stdout, now: () => T0, syncFiles: true });

    filesOnly.logger.info('files only');
    filesOnly.close();

    expect(stdout.lines).toEqual([]);
    expect(readJsonLines(allFile()).map((l) => l.msg)).toEqual(['files only']);
  });

  it('should carry the trace id and span of the current context on every line', async () => {
    await withTrace('bot.tick', async () => {
      sut.logger.info('inside');
      await new Promise((resolve) => setTimeout(resolve, 1));
      sut.logger.child({ component: 'x' }).info('inside child after a timer');
    });
    sut.logger.info('outside');

    const [inside, afterTimer, outside] = stdout.lines.filter(
      (l) => l.msg !== 'span started' && l.msg !== 'span finished',
    );
    expect(inside).toMatchObject({
      msg: 'inside',
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      span: 'bot.tick',
    });
    expect(afterTimer).toMatchObject({ trace_id: inside.trace_id, span: 'bot.tick', component: 'x' });
    expect(outside).not.toHaveProperty('trace_id');
    expect(outside).not.toHaveProperty('span');
  });

  it('should not repeat trace_id when a request logger already binds it', () => {
    const cls = ClsServiceManager.getClsService();
    const raw: string[] = [];
    const sinks = createLogSinks(
      { level: 'info', dir, stdout: true },
      { stdout: { write: (line: string) => void raw.push(line) }, now: () => T0, syncFiles: true },
    );

    cls.runWith({ [CLS_ID]: 'req-trace' }, () => sinks.logger.child({ trace_id: 'req-trace' }).info('in request'));
    sinks.close();

    expect(raw).toHaveLength(1);
    expect(raw[0].match(/"trace_id":/g)).toHaveLength(1);
    expect(JSON.parse(raw[0])).toMatchObject({ trace_id: 'req-trace', msg: 'in request' });
  });

  it.each([
    ['a top-level secret', { password: 'p1', SECRET_KEY: 'k1', BYBIT_API_KEY: 'k2', BYBIT_API_SECRET: 's1' }],
    ['a DTO one level deep', { dto: { current_password: 'p2', new_password: 'p3' } }],
    ['a token response', { body: { access_token: 'jwt-1' } }],
    ['a DTO in the camelCase wire names', { dto: { currentPassword: 'p4', newPassword: 'p5' } }],
    ['a camelCase token response', { body: { accessToken: 'jwt-4' } }],
    ['exchange options two levels deep', { config: { exchange: { apiSecret: 's2', api_secret: 's3', secret: 's4' } } }],
    ['request credentials', { req: { headers: { authorization: 'Bearer jwt-2', cookie: 'sid=c1' } } }],
    ['a bare authorization header', { authorization: 'Bearer jwt-3' }],
  ])('should redact %s', (_case, payload) => {
    sut.logger.info(payload, 'with secrets');

    const line = readFileSync(allFile(), 'utf8');
    for (const secret of leafValues(payload)) expect(line).not.toContain(secret);
    expect(line).toContain('[REDACTED]');
  });

  it('should keep non-secret fields next to redacted ones', () => {
    sut.logger.info({ dto: { password: 'hunter2', username: 'admin' }, symbol: 'BTCUSDT' }, 'login');

    expect(readJsonLines(allFile())[0]).toMatchObject({
      dto: { password: '[REDACTED]', username: 'admin' },
      symbol: 'BTCUSDT',
      level: 'info',
      time: new Date(readJsonLines(allFile())[0].time as string).toISOString(),
    });
  });
});
