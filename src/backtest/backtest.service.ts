import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { AppConfig, declaredVariables } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { EventBus } from '../infra/events/event-bus';
import { RequestValidationError } from '../infra/http/validation';
import type { BacktestJob, BacktestJobProgress, BacktestJobResult } from './backtest-job';
import { BACKTEST_KEYS, BacktestSettingsError, resolveSettings } from './backtest-settings';
import { BacktestStore, newRunId, type StoredRun } from './backtest-store';
import './backtest.events';
import {
  checkDataFilePath,
  checkOverrideKeys,
  overridableSettings,
  RECORDING_FILE_NAME,
  type FieldProblem,
} from './domain/backtest-request';
import { JobCancelledError, ThreadPool, WorkerJobError } from './worker/thread-pool';

export type BacktestErrorCode =
  'BACKTEST_NOT_FOUND' | 'BACKTEST_REPORT_NOT_READY' | 'BACKTESTS_BUSY' | 'BACKTEST_NOT_RUNNING';

export class BacktestError extends DomainError<BacktestErrorCode> {
  constructor(code: BacktestErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(
      code,
      code === 'BACKTEST_NOT_FOUND' ? 'NOT_FOUND' : code === 'BACKTESTS_BUSY' ? 'RATE_LIMITED' : 'CONFLICT',
      message,
      details,
    );
  }
}

/** The worker module the API's runs execute in (a sibling file: .js compiled, .ts from sources). */
export const BACKTEST_WORKER_MODULE = Symbol('BACKTEST_WORKER_MODULE');

export function defaultWorkerModule(): string {
  return join(__dirname, `backtest.worker${extname(__filename)}`);
}

export interface StartRequest {
  readonly dataFile: string;
  readonly symbols?: readonly string[];
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly seed?: number;
  readonly settings?: Readonly<Record<string, unknown>>;
}

export interface DataFile {
  readonly path: string;
  readonly bytes: number;
  readonly modifiedAtMs: number;
}

/** How deep GET /backtests/data-files looks below BACKTEST_DATA_DIR, and how many files it lists at most. */
const MAX_DEPTH = 4;
const MAX_FILES = 1000;
/** Least time between two `progress` pushes of one run on /ws. */
const PROGRESS_PUSH_MS = 500;
/** Retry-After of a 429 when every slot is busy: a run takes seconds to minutes. */
const BUSY_RETRY_SECONDS = 10;

/**
 * Backtests started over the API: validates the request (the data file under BACKTEST_DATA_DIR, the overrides),
 * stores the run, runs it in a worker thread (never on the event loop the API and the trading bot share), keeps
 * the outcome under DATA_DIR/backtests/<id>/ and publishes progress and completion (the /ws channel `backtests`).
 * At most BACKTEST_MAX_CONCURRENT run at once; one more is refused with 429 rather than queued, so the operator
 * sees at once that it did not start.
 */
@Injectable()
export class BacktestService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(BacktestService.name);
  private readonly store: BacktestStore;
  private readonly pool: ThreadPool<BacktestJob, BacktestJobProgress, BacktestJobResult>;
  private readonly progress = new Map<string, BacktestJobProgress>();
  private readonly running = new Map<string, { readonly done: Promise<void>; readonly abort: AbortController }>();
  private readonly allowed: string[];
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventBus,
    private readonly clock: Clock,
    @Inject(BACKTEST_WORKER_MODULE) workerModule: string,
  ) {
    this.store = new BacktestStore(config.backtest.runsDir);
    this.pool = new ThreadPool(workerModule, config.backtest.maxConcurrent);
    this.allowed = overridableSettings(declaredVariables(), BACKTEST_KEYS);
  }

  onModuleInit(): void {
    this.store.init();
    const failed = this.store.failInterrupted(this.clock.nowMs());
    if (failed > 0) this.logger.warn({ runs: failed }, 'backtests interrupted by the last stop marked failed');
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await this.pool.close();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /**
   * Settings a run may override, with the value a run has unless overridden: a backtest starts from the defaults,
   * not from this service's environment, so its settings.json alone reproduces it.
   */
  settings(): Array<{ readonly name: string; readonly value: string | null }> {
    const defaults = resolveSettings({}, undefined).effective;
    return this.allowed.map((name) => ({ name, value: defaults[name] ?? null }));
  }

  get dataDir(): string {
    return this.config.backtest.dataDir;
  }

  /**
   * Recordings under BACKTEST_DATA_DIR, by path: hidden entries skipped, and symbolic links leading out of the
   * directory (POST refuses them too).
   */
  dataFiles(): DataFile[] {
    const root = this.config.backtest.dataDir;
    if (!existsSync(root)) return [];
    const realRoot = realpathSync(root);
    const found: DataFile[] = [];
    const walk = (dir: string, depth: number) => {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        return;
      }
      for (const name of names) {
        if (found.length >= MAX_FILES || name.startsWith('.')) continue;
        const path = join(dir, name);
        let real: string;
        try {
          real = realpathSync(path);
        } catch {
          continue; // a dangling link
        }
        if (real !== realRoot && !real.startsWith(realRoot + sep)) continue;
        const stat = statSync(real, { throwIfNoEntry: false });
        if (!stat) continue;
        if (stat.isDirectory() && depth < MAX_DEPTH) walk(path, depth + 1);
        else if (stat.isFile() && RECORDING_FILE_NAME.test(name))
          found.push({ path: relative(root, path).split(sep).join('/'), bytes: stat.size, modifiedAtMs: stat.mtimeMs });
      }
    };
    walk(root, 1);
    return found;
  }

  list(
    limit: number,
    offset: number,
  ): { items: Array<StoredRun & { progress: BacktestJobProgress | null }>; total: number } {
    const { items, total } = this.store.page(limit, offset);
    return { items: items.map((run) => ({ ...run, progress: this.progress.get(run.id) ?? null })), total };
  }

  get(id: string): StoredRun & { progress: BacktestJobProgress | null } {
    const run = this.store.get(id);
    if (!run) throw new BacktestError('BACKTEST_NOT_FOUND', `no backtest ${id}`);
    return { ...run, progress: this.progress.get(id) ?? null };
  }

  /** The stored report.json (parsed) once the run succeeded; null before. */
  report(id: string): unknown {
    this.get(id);
    const text = this.store.file(id, 'report.json');
    return text === undefined ? null : (JSON.parse(text) as unknown);
  }

  reportHtml(id: string): string {
    const run = this.get(id);
    const html = this.store.file(id, 'report.html');
    if (html === undefined) {
      throw new BacktestError(
        'BACKTEST_REPORT_NOT_READY',
        run.status === 'running' ? `backtest ${id} is still running` : `backtest ${id} ${run.status}: it has no report`,
        { status: run.status },
      );
    }
    return html;
  }

  start(request: StartRequest): StoredRun {
    const dataPath = this.resolveDataFile(request.dataFile);
    const overrides = this.checkSettings(request.settings ?? {}, request.symbols);
    if (request.fromMs !== undefined && request.toMs !== undefined && !(request.fromMs < request.toMs)) {
      throw new RequestValidationError({ to: ['must be later than from'] });
    }
    if (this.running.size >= this.config.backtest.maxConcurrent) {
      throw new BacktestError(
        'BACKTESTS_BUSY',
        `${this.running.size} backtest(s) running, the most BACKTEST_MAX_CONCURRENT allows: try again when one finishes`,
        { running: this.running.size, retryAfterSeconds: BUSY_RETRY_SECONDS },
      );
    }
    const now = this.clock.nowMs();
    const run: StoredRun = {
      id: newRunId(now),
      status: 'running',
      createdAtMs: now,
      finishedAtMs: null,
      request: {
        dataFile: dataPath.relative,
        symbols: request.symbols && request.symbols.length > 0 ? request.symbols.map((s) => s.toUpperCase()) : null,
        fromMs: request.fromMs ?? null,
        toMs: request.toMs ?? null,
        seed: request.seed ?? null,
        overrides,
      },
      fingerprint: null,
      messages: null,
      wallMs: null,
      metrics: null,
      error: null,
    };
    this.store.create(run);
    const job: BacktestJob = {
      dataPath: dataPath.absolute,
      symbols: run.request.symbols ?? undefined,
      fromMs: run.request.fromMs ?? undefined,
      toMs: run.request.toMs ?? undefined,
      seed: run.request.seed ?? undefined,
      // The engine keeps its binary cache under DATA_DIR/backtests/cache: this service's, not the default ./data.
      // Where, not what: the engine leaves DATA_DIR out of the report and its settings.
      overrides: { ...overrides, DATA_DIR: this.config.app.dataDir },
      outDir: this.store.dirOf(run.id),
      progressEveryMs: PROGRESS_PUSH_MS,
    };
    this.logger.log({ backtest: run.id, dataFile: run.request.dataFile, overrides }, 'backtest started');
    this.events.publish('backtest.updated', { event: 'started', run, progress: null });
    const abort = new AbortController();
    const done = this.execute(run, job, abort.signal).finally(() => {
      this.running.delete(run.id);
      this.progress.delete(run.id);
    });
    this.running.set(run.id, { done, abort });
    return run;
  }

  /**
   * Stops a running backtest (its worker thread is terminated; what it wrote so far stays in its directory) and
   * resolves with the run stored as cancelled. A run that already finished is a 409 naming its status.
   */
  async cancel(id: string): Promise<StoredRun> {
    const run = this.get(id);
    const running = this.running.get(id);
    if (!running) {
      throw new BacktestError('BACKTEST_NOT_RUNNING', `backtest ${id} is not running: it ${run.status}`, {
        status: run.status,
      });
    }
    running.abort.abort();
    await running.done;
    return this.get(id);
  }

  /** Resolves when every run started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async execute(run: StoredRun, job: BacktestJob, signal: AbortSignal): Promise<void> {
    let finished: StoredRun;
    try {
      const result = await this.pool.run(
        job,
        (progress) => {
          this.progress.set(run.id, progress);
          this.events.publish('backtest.updated', { event: 'progress', run, progress });
        },
        signal,
      );
      finished = {
        ...run,
        status: 'succeeded',
        finishedAtMs: this.clock.nowMs(),
        fingerprint: result.fingerprint,
        messages: result.messages,
        wallMs: result.wallMs,
        metrics: result.metrics,
      };
      this.store.writeSettings(run.id, { ...run.request, fingerprint: result.fingerprint, settings: result.settings });
      this.logger.log({ backtest: run.id, messages: result.messages, wallMs: result.wallMs }, 'backtest succeeded');
    } catch (error) {
      if (error instanceof JobCancelledError) {
        finished = {
          ...run,
          status: 'cancelled',
          finishedAtMs: this.clock.nowMs(),
          error: 'cancelled by the operator',
        };
        this.logger.log({ backtest: run.id }, 'backtest cancelled');
      } else {
        finished = this.failed(run, error);
      }
    }
    try {
      this.store.save(finished);
    } catch (error) {
      this.logger.error({ backtest: run.id, err: error }, 'backtest outcome could not be stored');
    }
    this.events.publish('backtest.updated', {
      event: 'finished',
      run: finished,
      progress: this.progress.get(run.id) ?? null,
    });
  }

  private failed(run: StoredRun, error: unknown): StoredRun {
    const message = this.closing
      ? 'interrupted: the service stopped during the run'
      : error instanceof WorkerJobError || error instanceof Error
        ? error.message
        : String(error);
    this.logger.warn({ backtest: run.id, err: error }, 'backtest failed');
    return { ...run, status: 'failed', finishedAtMs: this.clock.nowMs(), error: message };
  }

  /**
   * The recording named by `dataFile`: inside BACKTEST_DATA_DIR also after symbolic links are followed, an existing
   * file with a recording's name. Anything else is a 400 naming `dataFile`.
   */
  private resolveDataFile(dataFile: string): { readonly absolute: string; readonly relative: string } {
    const checked = checkDataFilePath(dataFile);
    if ('problem' in checked) throw invalid([checked]);
    const root = this.config.backtest.dataDir;
    const candidate = join(root, checked.path);
    const unknown = () =>
      invalid([
        {
          field: 'dataFile',
          problem: `no recording ${checked.path} under BACKTEST_DATA_DIR (see GET /backtests/data-files)`,
        },
      ]);
    if (!existsSync(candidate) || !existsSync(root)) throw unknown();
    const realRoot = realpathSync(root);
    const real = realpathSync(candidate);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) {
      throw invalid([{ field: 'dataFile', problem: 'must not leave BACKTEST_DATA_DIR (a link points outside it)' }]);
    }
    if (!statSync(real).isFile()) throw unknown();
    return { absolute: real, relative: checked.path };
  }

  /** Overrides as text, checked exactly as the engine will check them (same schema, same defaults). */
  private checkSettings(settings: Readonly<Record<string, unknown>>, symbols: readonly string[] | undefined) {
    const keyProblems = checkOverrideKeys(settings, this.allowed);
    if (keyProblems.length > 0) throw invalid(keyProblems);
    const overrides: Record<string, string> = {};
    for (const [key, value] of Object.entries(settings)) overrides[key] = String(value);
    try {
      resolveSettings(overrides, symbols);
    } catch (error) {
      if (!(error instanceof BacktestSettingsError)) throw error;
      const problems = (error.details?.problems as readonly string[] | undefined) ?? [error.message];
      throw invalid(
        problems.map((line) => {
          const key = Object.keys(overrides).find((k) => line.startsWith(`${k}:`) || line.startsWith(`${k} `));
          if (key) return { field: `settings.${key}`, problem: line.slice(key.length).replace(/^[:\s]+/, '') };
          // The symbols become the run's TRADING_PAIRS.
          if (line.startsWith('TRADING_PAIRS'))
            return { field: 'symbols', problem: 'must be USDT perpetuals such as BTCUSDT' };
          return { field: 'settings', problem: line };
        }),
      );
    }
    return overrides;
  }
}

function invalid(problems: readonly FieldProblem[]): RequestValidationError {
  const fields: Record<string, string[]> = {};
  for (const { field, problem } of problems) (fields[field] ??= []).push(problem);
  return new RequestValidationError(fields);
}
