import { join } from 'node:path';
import pino from 'pino';

/** The part of a SonicBoom that DailyFileStream uses; a seam for specs. */
export interface LogFileSink {
  write(chunk: string): boolean | void;
  /** Writes what is buffered synchronously; throws if the file is not open yet (SonicBoom). */
  flushSync?(): void;
  /** Flushes what is buffered, then closes the file. */
  end(): void;
  on?(event: 'error', listener: (err: Error) => void): unknown;
}

export interface DailyFileStreamOptions {
  /** Directory of the files; created when missing. */
  readonly dir: string;
  /** File name prefix: `<prefix>_YYYYMMDD.log`, e.g. `bot` or `bot_errors`. */
  readonly prefix: string;
  /** Epoch milliseconds; injected by specs to cross midnight. */
  readonly now?: () => number;
  /**
   * Opens a file for appending. Default: `pino.destination` (SonicBoom) with `mkdir: true`, asynchronous: a
   * log line costs no fs syscall on the calling tick, and pino flushes what is pending on process exit.
   */
  readonly open?: (path: string, options: { readonly sync: boolean }) => LogFileSink;
  /** Synchronous writes: each line is on disk when write() returns (specs, or after close(), see there). */
  readonly sync?: boolean;
  /** Reports a failure to open or write a file (full disk, no permission) instead of crashing the process. */
  readonly onError?: (err: Error, path: string) => void;
}

const DAY_MS = 86_400_000;

/**
 * A pino destination that appends to `<dir>/<prefix>_YYYYMMDD.log`, the UTC date of the moment of writing, and
 * moves to the next day's file at UTC midnight. The per-line check is one comparison of `now()` with the next
 * midnight; the date string is only computed when a file is opened. A line is never split across files.
 *
 * Retention is not this class's business: old files are left for an operator's logrotate/cron.
 */
export class DailyFileStream {
  private readonly now: () => number;
  private readonly open: NonNullable<DailyFileStreamOptions['open']>;
  private readonly onError: NonNullable<DailyFileStreamOptions['onError']>;
  private sync: boolean;
  private sink: LogFileSink | undefined;
  private currentPath: string | undefined;
  /** First millisecond of the next UTC day; a write at or after it switches files. */
  private nextSwitchAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: DailyFileStreamOptions) {
    this.now = options.now ?? Date.now;
    this.open = options.open ?? openSonicBoom;
    this.onError = options.onError ?? reportToStderr;
    this.sync = options.sync ?? false;
  }

  /** The file of the current day, once something has been written. */
  get path(): string | undefined {
    return this.currentPath;
  }

  /** The file a line written at `epochMs` goes to. */
  pathFor(epochMs: number): string {
    return join(this.options.dir, `${this.options.prefix}_${utcDate(epochMs)}.log`);
  }

  write(line: string): boolean {
    const now = this.now();
    try {
      if (now >= this.nextSwitchAt || this.sink === undefined) this.switchTo(now);
      this.sink!.write(line);
    } catch (err) {
      // A synchronous sink throws on a failed write; logging must never fail the code that logs.
      this.onError(err instanceof Error ? err : new Error(String(err)), this.currentPath ?? this.pathFor(now));
    }
    return true;
  }

  /** Best effort: an unopened async file has nothing buffered that could be written synchronously. */
  flushSync(): void {
    try {
      this.sink?.flushSync?.();
    } catch {
      // SonicBoom throws "sonic boom is not ready yet" before its open() completed; the lines stay buffered and
      // are written by end() once the file is open.
    }
  }

  /**
   * Flushes and closes the current file (application shutdown). A line logged afterwards, by a module shutting
   * down later, reopens the file in synchronous mode, so it is not lost when the process exits right after.
   */
  close(): void {
    this.flushSync();
    this.sink?.end();
    this.sink = undefined;
    this.sync = true;
  }

  /** pino.multistream's `end()` calls this. */
  end(): void {
    this.close();
  }

  private switchTo(now: number): void {
    const path = this.pathFor(now);
    this.nextSwitchAt = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
    if (this.sink !== undefined && path === this.currentPath) return;
    // end() lets the old file's pending async writes complete before it closes.
    this.sink?.end();
    const sink = this.open(path, { sync: this.sync });
    sink.on?.('error', (err) => this.onError(err, path));
    this.sink = sink;
    this.currentPath = path;
  }
}

/** `YYYYMMDD` of the UTC day containing `epochMs`. */
export function utcDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replace(/-/g, '');
}

/**
 * Cap on what an asynchronous file may buffer: if the disk stalls or the file cannot be opened, lines beyond it
 * are dropped rather than growing the heap until the process dies.
 */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

function openSonicBoom(path: string, options: { readonly sync: boolean }): LogFileSink {
  return pino.destination({ dest: path, mkdir: true, append: true, sync: options.sync, maxLength: MAX_BUFFERED_BYTES });
}

function reportToStderr(err: Error, path: string): void {
  // The logger cannot log its own failure; stderr is what is left.
  process.stderr.write(`log file ${path}: ${err.message}\n`);
}
