import type { SweepMetrics } from './domain/sweep';

/**
 * What crosses the thread boundary between the backtest's callers (the API service, the sweep) and the worker
 * that runs the engine: plain, structured-cloneable data only.
 */

/** Progress as the engine reports it (see backtest-runner.ts `BacktestProgress`). */
export interface BacktestJobProgress {
  readonly messagesDone: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly messagesPerSecond: number;
  readonly etaSeconds: number | null;
}

export interface BacktestJob {
  /** Absolute path of the recording (file or directory). */
  readonly dataPath: string;
  readonly symbols?: readonly string[];
  readonly fromMs?: number;
  /** Exclusive. */
  readonly toMs?: number;
  readonly overrides: Readonly<Record<string, string>>;
  readonly seed?: number;
  /** When set, report.json and report.html are written there by the worker. */
  readonly outDir?: string;
  /** Least time between two progress messages (default 500 ms); the last one is always sent. */
  readonly progressEveryMs?: number;
}

export interface BacktestJobResult {
  readonly fingerprint: string;
  /** The effective settings of the run (what the engine used, overrides applied). */
  readonly settings: Readonly<Record<string, string>>;
  readonly messages: number;
  readonly wallMs: number;
  readonly metrics: SweepMetrics;
}
