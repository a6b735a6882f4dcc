import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SweepMetrics } from './domain/sweep';

/**
 * Stored backtest runs: one directory per run under DATA_DIR/backtests, `<id>/`:
 * - `run.json`: the run's state (status, times, request, outcome), rewritten atomically on every change;
 * - `settings.json`: what reproduces it (data file, its fingerprint, symbols, period, seed, overrides, and once the
 *   run finished the effective settings the engine used);
 * - `report.json`, `report.html`: the engine's report (written by the worker when the run succeeds).
 * Files, not a table: a run is a handful of documents that are written once and read whole, the report can be
 * opened and archived as is, and no migration is needed. Ids sort by creation time.
 */

export type BacktestStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface StoredRequest {
  /** Relative to BACKTEST_DATA_DIR, forward slashes. */
  readonly dataFile: string;
  readonly symbols: readonly string[] | null;
  readonly fromMs: number | null;
  /** Exclusive. */
  readonly toMs: number | null;
  readonly seed: number | null;
  readonly overrides: Readonly<Record<string, string>>;
}

export interface StoredRun {
  readonly id: string;
  readonly status: BacktestStatus;
  readonly createdAtMs: number;
  readonly finishedAtMs: number | null;
  readonly request: StoredRequest;
  readonly fingerprint: string | null;
  readonly messages: number | null;
  readonly wallMs: number | null;
  readonly metrics: SweepMetrics | null;
  readonly error: string | null;
}

export interface StoredSettings extends StoredRequest {
  readonly fingerprint: string | null;
  readonly settings: Readonly<Record<string, string>> | null;
}

/** `20250131-120000-123-a1b2c3`: UTC creation time to the millisecond, then 24 random bits. */
export const RUN_ID = /^\d{8}-\d{6}-\d{3}-[0-9a-f]{6}$/;

export function newRunId(nowMs: number): string {
  const iso = new Date(nowMs).toISOString(); // 2025-01-31T12:00:00.123Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export class BacktestStore {
  constructor(readonly root: string) {}

  init(): void {
    mkdirSync(this.root, { recursive: true });
  }

  dirOf(id: string): string {
    if (!RUN_ID.test(id)) throw new Error(`not a backtest id: ${id}`);
    return join(this.root, id);
  }

  create(run: StoredRun): void {
    mkdirSync(this.dirOf(run.id), { recursive: true });
    this.save(run);
    this.writeSettings(run.id, { ...run.request, fingerprint: null, settings: null });
  }

  save(run: StoredRun): void {
    atomicWrite(join(this.dirOf(run.id), 'run.json'), run);
  }

  writeSettings(id: string, settings: StoredSettings): void {
    atomicWrite(join(this.dirOf(id), 'settings.json'), settings);
  }

  /** The run, or undefined when there is none with that id (a malformed id included). */
  get(id: string): StoredRun | undefined {
    if (!RUN_ID.test(id)) return undefined;
    const file = join(this.root, id, 'run.json');
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as StoredRun;
  }

  /** A stored file of the run (report.json, report.html, settings.json) as text, undefined when absent. */
  file(id: string, name: 'report.json' | 'report.html' | 'settings.json'): string | undefined {
    if (!RUN_ID.test(id)) return undefined;
    const file = join(this.root, id, name);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  /** Ids, newest first. */
  ids(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root)
      .filter((name) => RUN_ID.test(name) && existsSync(join(this.root, name, 'run.json')))
      .sort()
      .reverse();
  }

  page(limit: number, offset: number): { readonly items: StoredRun[]; readonly total: number } {
    const ids = this.ids();
    const items = ids
      .slice(offset, offset + limit)
      .map((id) => this.get(id))
      .filter((run): run is StoredRun => run !== undefined);
    return { items, total: ids.length };
  }

  /** Runs left `running` by a process that stopped (a crash, a restart): they never finish, so they failed. */
  failInterrupted(nowMs: number): number {
    let count = 0;
    for (const id of this.ids()) {
      const run = this.get(id);
      if (run?.status !== 'running') continue;
      this.save({
        ...run,
        status: 'failed',
        finishedAtMs: nowMs,
        error: 'interrupted: the service stopped during the run',
      });
      count += 1;
    }
    return count;
  }
}

function atomicWrite(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, path);
}
