import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app-config';
import { currentTrace } from '../tracing/trace-context';
import { DailyFileStream } from './daily-file-stream';
import { REDACT_PATHS, REDACTED } from './redaction';

export interface LogSinksOptions {
  /**
   * Where the stdout copy goes when LOG_STDOUT is on (specs capture it here); `false` for none.
   * Default: an asynchronous SonicBoom on fd 1.
   */
  readonly stdout?: DestinationStream | false;
  /** Epoch milliseconds for the file names; specs inject it. */
  readonly now?: () => number;
  /** Synchronous file writes (specs read the files right after logging). */
  readonly syncFiles?: boolean;
}

/** The root pino logger and the streams under it, so shutdown can flush and close what it opened. */
export interface LogSinks {
  readonly logger: Logger;
  /**
   * The same streams, level and format without redaction, for the one request line per HTTP request only: its
   * fields are fixed (method, url, statusCode, responseTime, trace_id) and none is a secret key, so walking the
   * redaction paths on each of them (3.6 % of a request's CPU in the auth-verify profile) protects nothing. No
   * trace mixin either: the line carries `trace_id` (the request's id) itself, which a context lookup per line
   * would only find again.
   */
  readonly requestLogger: Logger;
  /** `LOG_DIR/bot_YYYYMMDD.log`: every line at or above LOG_LEVEL. */
  readonly allFile: DailyFileStream;
  /** `LOG_DIR/bot_errors_YYYYMMDD.log`: error and fatal lines only. */
  readonly errorFile: DailyFileStream;
  /** Writes buffered lines synchronously (all sinks). */
  flush(): void;
  /** Flushes everything and closes the files; stdout is flushed, never closed. */
  close(): void;
}

/**
 * Builds the one pino logger of the process: JSON to stdout and to the daily file, error lines also to the daily
 * errors file, secrets redacted, and the trace id (plus span) of the current trace context on every line.
 */
export function createLogSinks(logging: AppConfig['logging'], options: LogSinksOptions = {}): LogSinks {
  const fileOptions = { dir: logging.dir, now: options.now, sync: options.syncFiles };
  const allFile = new DailyFileStream({ ...fileOptions, prefix: 'bot' });
  const errorFile = new DailyFileStream({ ...fileOptions, prefix: 'bot_errors' });
  // Lines stay JSON everywhere (files are parsed by tools); pipe stdout through `npx pino-pretty` to read by eye.
  const stdout: DestinationStream | false = !logging.stdout
    ? false
    : (options.stdout ?? pino.destination({ dest: 1, sync: false }));

  // The logger's own level filters; the streams only split by severity. 'trace' lets everything through.
  const streams: pino.StreamEntry[] = [
    { level: 'trace', stream: allFile },
    { level: 'error', stream: errorFile },
  ];
  if (stdout !== false) streams.unshift({ level: 'trace', stream: stdout });

  const multistream = pino.multistream(streams);
  const logger = pino(rootLoggerOptions(logging.level), multistream);
  // The request line names its trace id itself (the request's id), so it needs neither redaction nor the mixin.
  const { redact: _redact, mixin: _mixin, ...plain } = rootLoggerOptions(logging.level);
  const requestLogger = pino(plain, multistream);
  const flushStdout = (): void => {
    if (stdout === false) return;
    try {
      (stdout as { flushSync?: () => void }).flushSync?.();
    } catch {
      // Not open yet: nothing buffered can be written synchronously.
    }
  };
  return {
    logger,
    requestLogger,
    allFile,
    errorFile,
    flush: () => {
      flushStdout();
      allFile.flushSync();
      errorFile.flushSync();
    },
    close: () => {
      flushStdout();
      allFile.close();
      errorFile.close();
    },
  };
}

export function rootLoggerOptions(level: AppConfig['logging']['level']): LoggerOptions {
  return {
    level,
    // ISO time and level names: the files are read by people and by jq, not only by a log shipper.
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    mixin: traceMixin,
  };
}

const CHINDINGS = pino.symbols.chindingsSym;

/**
 * Adds `trace_id` and `span` of the current trace context (nestjs-cls / AsyncLocalStorage) to every line: HTTP
 * requests, withTrace spans, @Traced methods, and Nest Logger calls made inside them.
 *
 * pino-http's per-request child logger already binds `trace_id` (so the request-completed line has it even if the
 * context is gone by the time the response finishes); writing it again would duplicate the JSON key, so the
 * mixin skips it when the logger's bindings carry it. The check is a substring test of a short string.
 */
export function traceMixin(_merge: object, _level: number, logger: Logger): Record<string, unknown> {
  const trace = currentTrace();
  if (trace === undefined) return {};
  const bindings = (logger as unknown as Record<symbol, string | undefined>)[CHINDINGS] ?? '';
  const bound = bindings.includes('"trace_id":');
  if (trace.span === undefined) return bound ? {} : { trace_id: trace.traceId };
  return bound ? { span: trace.span } : { trace_id: trace.traceId, span: trace.span };
}
